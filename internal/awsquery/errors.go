package awsquery

import "fmt"

// Error is an error as AWS returns it: a code, a message and an HTTP
// status.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// AppendErrorEnvelope appends AWS's error response for the Query
// protocol.
func AppendErrorEnvelope(b []byte, e *Error, ns, requestID string) []byte {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	b = fmt.Appendf(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, ns, typ)
	b = AppendEscaped(b, e.Code)
	b = append(b, "</Code><Message>"...)
	b = AppendEscaped(b, e.Message)
	b = append(b, "</Message></Error><RequestId>"...)
	b = AppendEscaped(b, requestID)
	return append(b, "</RequestId></ErrorResponse>"...)
}
