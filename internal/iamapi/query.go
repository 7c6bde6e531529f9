package iamapi

import (
	"net/url"
	"strings"
)

// Limits of a Query API request. IAM's largest requests (policy
// documents of 10,240 characters, URL-encoded three times over, in
// SimulateCustomPolicy's lists) fit in well under a mebibyte.
const (
	maxBodyBytes = 1 << 20
	maxParams    = 4096
)

// decodeParams reads a request's parameters: the form-encoded body, and
// the query string (less the X-Amz-* parameters of a presigned URL, which
// are the signature's). Both are covered by the signature. A parameter
// given twice, in either or across both, is refused rather than read as
// its first or last value: the two halves of a request must not be able
// to say different things.
func decodeParams(body []byte, rawQuery string) (params, *APIError) {
	form := url.Values{}
	count := 0
	add := func(part string, fromQuery bool) *APIError {
		for part != "" {
			var pair string
			pair, part, _ = strings.Cut(part, "&")
			if pair == "" {
				continue
			}
			if strings.Contains(pair, ";") {
				return invalidQuery("a parameter contains ';', which the Query protocol does not use as a separator")
			}
			k, v, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(k)
			if err != nil {
				return invalidQuery("parameter name %q is not URL-encoded correctly", truncate(k, 64))
			}
			value, err := url.QueryUnescape(v)
			if err != nil {
				return invalidQuery("the value of parameter %q is not URL-encoded correctly", truncate(key, 64))
			}
			if fromQuery && strings.HasPrefix(key, "X-Amz-") {
				continue
			}
			if _, dup := form[key]; dup {
				return invalidQuery("parameter %q is given more than once", truncate(key, 64))
			}
			if count++; count > maxParams {
				return invalidQuery("more than %d parameters", maxParams)
			}
			form[key] = []string{value}
		}
		return nil
	}
	if aerr := add(string(body), false); aerr != nil {
		return nil, aerr
	}
	if aerr := add(rawQuery, true); aerr != nil {
		return nil, aerr
	}
	return params(form), nil
}

func invalidQuery(format string, args ...any) *APIError {
	return apiErr(400, "MalformedQueryString", format, args...)
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
