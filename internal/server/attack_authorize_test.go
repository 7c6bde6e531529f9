package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/sigv4"
)

// authorizeCall posts a body to /v1/authorize signed for ward, and
// returns the status and the answer's top-level members.
func authorizeCall(t *testing.T, endpoint, id, secret, body string) (int, map[string]json.RawMessage) {
	t.Helper()
	req, err := http.NewRequest("POST", endpoint+"/v1/authorize", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sigv4.Sign(req, []byte(body), id, secret, "us-east-1", "ward", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatalf("the answer is not a JSON object: %v\n%.300s", err, raw)
	}
	return resp.StatusCode, top
}

// TestAttackAuthorizeSingleOrBatch: /v1/authorize tells a batch from a
// single request by the body's top-level members alone. A single request
// whose resource, action or context holds the word "requests" is answered
// as the single request it is (it was read as an empty batch, and
// answered with no decision); a batch is an object whose one member is
// an array "requests"; unknown members, a "requests" that is not an
// array, more than 1,000 questions, data after the object and a body over
// 8 MiB are refused.
func TestAttackAuthorizeSingleOrBatch(t *testing.T) {
	_, ts, id, secret := startServer(t, nil)
	const root = `"principal":"arn:aws:iam::123456789012:root"`
	one := `{` + root + `,"action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`
	for _, tc := range []struct {
		name, body string
		status     int
		want       string // the member the answer must have: decision, results or code
		results    int
	}{
		{"a resource named requests", `{` + root + `,"action":"s3:GetObject","resource":"arn:aws:s3:::requests/x"}`, 200, "decision", 0},
		{"an action holding requests", `{` + root + `,"action":"s3:requests","resource":"*"}`, 200, "decision", 0},
		{"a context holding requests", `{` + root + `,"action":"s3:GetObject","resource":"*","context":{"s3:prefix":"\"requests\": []"}}`, 200, "decision", 0},
		{"a resource that is the word", `{` + root + `,"action":"s3:GetObject","resource":"requests"}`, 200, "decision", 0},
		{"a batch of two", `{"requests":[` + one + `,` + one + `]}`, 200, "results", 2},
		{"an empty batch", `{"requests":[]}`, 200, "results", 0},
		{"a batch of 1,000", `{"requests":[` + strings.Repeat(one+",", 999) + one + `]}`, 200, "results", 1000},
		{"a batch of 1,001", `{"requests":[` + strings.Repeat(one+",", 1000) + one + `]}`, 400, "code", 0},
		{"requests null", `{"requests":null}`, 400, "code", 0},
		{"requests an object", `{"requests":` + one + `}`, 400, "code", 0},
		{"a batch with a request beside it", `{"requests":[` + one + `],` + root + `}`, 400, "code", 0},
		{"an unknown member", `{` + root + `,"action":"s3:GetObject","resorce":"*"}`, 400, "code", 0},
		{"an unknown member in a batch", `{"requests":[{` + root + `,"actoin":"s3:GetObject"}]}`, 400, "code", 0},
		{"data after the object", one + `]`, 400, "code", 0},
		{"a second object", one + one, 400, "code", 0},
		{"a body over 8 MiB", `{` + root + `,"action":"s3:GetObject","resource":"` + strings.Repeat("a", 8<<20) + `"}`, 413, "code", 0},
	} {
		status, top := authorizeCall(t, ts.URL, id, secret, tc.body)
		if status != tc.status || top[tc.want] == nil {
			t.Errorf("%s: %d %v, want %d with %q", tc.name, status, keys(top), tc.status, tc.want)
			continue
		}
		if tc.want == "decision" && (top["results"] != nil || string(top["decision"]) == `"Error"`) {
			t.Errorf("%s: answered %s %s", tc.name, top["decision"], top["error"])
		}
		if tc.want == "results" {
			var results []map[string]any
			if err := json.Unmarshal(top["results"], &results); err != nil || len(results) != tc.results {
				t.Errorf("%s: %d results, want %d (%v)", tc.name, len(results), tc.results, err)
			}
		}
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
