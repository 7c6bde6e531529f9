package iamapi

import "github.com/wardhq/ward/internal/awsquery"

// IAM's errors, as the operations raise them.

func apiErr(status int, code, format string, args ...any) *awsquery.Error {
	return awsquery.Errorf(status, code, format, args...)
}

func noSuchEntity(format string, args ...any) *awsquery.Error {
	return apiErr(404, "NoSuchEntity", format, args...)
}

func invalidInput(format string, args ...any) *awsquery.Error {
	return apiErr(400, "InvalidInput", format, args...)
}
