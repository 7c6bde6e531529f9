package iamclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one IAM endpoint.
type Client struct {
	// Endpoint is the endpoint's URL: http://127.0.0.1:8080 for a local
	// ward serve, https://iam.amazonaws.com for AWS.
	Endpoint    string
	Credentials Credentials
	// Region signs the requests; IAM's is us-east-1.
	Region string
	// HTTP sends the requests; nil is a client with a one-minute timeout.
	HTTP *http.Client
	// Now is the clock signatures are dated by; nil is time.Now.
	Now func() time.Time
}

// maxResponse bounds one answer's body: an account's authorization
// details are megabytes, a page of them far less.
const maxResponse = 256 << 20

// Error is an error answer of the endpoint.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// call sends one Query API action with its parameters and returns the
// answer's XML.
func (c *Client) call(ctx context.Context, action string, params url.Values) ([]byte, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("endpoint %q is not an http or https URL", c.Endpoint)
	}
	if u.RawQuery != "" {
		return nil, fmt.Errorf("endpoint %q has a query string: give the endpoint alone", c.Endpoint)
	}
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form[k] = v
	}
	body := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sign(req, body, c.Credentials, region, "iam", now())
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %v", action, err)
	}
	if len(data) > maxResponse {
		return nil, fmt.Errorf("%s: the answer is larger than %d MiB", action, maxResponse>>20)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(data, &e) != nil || e.Code == "" {
			return nil, &Error{Status: resp.StatusCode, Code: http.StatusText(resp.StatusCode), Message: clip(string(data))}
		}
		return nil, &Error{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	return data, nil
}

// clip shortens a body quoted in an error.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
