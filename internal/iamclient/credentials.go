package iamclient

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadCredentials finds credentials as the AWS CLI does, in its order:
// with no profile named, the environment's AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN); else the profile
// (profile, else AWS_PROFILE, else "default") of the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), the file
// ward serve writes its root key to under the profile "ward". It also
// says where they came from, for messages.
func LoadCredentials(profile string, getenv func(string) string) (Credentials, string, error) {
	if profile == "" {
		if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
			return Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}, "the environment", nil
		}
		profile = getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	path := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Credentials{}, "", fmt.Errorf("no credentials: AWS_ACCESS_KEY_ID is not set and there is no home folder for ~/.aws/credentials")
		}
		path = filepath.Join(home, ".aws", "credentials")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, "", fmt.Errorf("no credentials: %v", err)
	}
	creds, err := parseCredentials(data, profile)
	if err != nil {
		return Credentials{}, "", fmt.Errorf("%s: %v", path, err)
	}
	return creds, fmt.Sprintf("profile %s of %s", profile, path), nil
}

// parseCredentials reads one profile of a shared credentials file.
func parseCredentials(data []byte, profile string) (Credentials, error) {
	var creds Credentials
	found := false
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		if text[0] == '[' {
			if !strings.HasSuffix(text, "]") {
				return creds, fmt.Errorf("line %d: a section header without its ]", line)
			}
			section = strings.TrimSpace(text[1 : len(text)-1])
			found = found || section == profile
			continue
		}
		if section != profile {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return creds, fmt.Errorf("line %d: not KEY = VALUE", line)
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "aws_access_key_id":
			creds.AccessKeyID = strings.TrimSpace(value)
		case "aws_secret_access_key":
			creds.SecretAccessKey = strings.TrimSpace(value)
		case "aws_session_token":
			creds.SessionToken = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		return creds, err
	}
	switch {
	case !found:
		return creds, fmt.Errorf("no profile %q", profile)
	case creds.AccessKeyID == "" || creds.SecretAccessKey == "":
		return creds, fmt.Errorf("profile %q has no aws_access_key_id and aws_secret_access_key", profile)
	}
	return creds, nil
}
