// Command testdb writes a small trivy vulnerability database for offline tests, in trivy's own format (the
// trivy-db module trivy itself is built with): <cache-dir>/db/trivy.db and <cache-dir>/db/metadata.json, the
// metadata fresh (NextUpdate a day ahead) so that trivy, run with --skip-db-update, uses it as it is.
//
// The advisories come as JSON on stdin:
//
//	{"advisories": [{"platform": "debian 12", "package": "zlib", "id": "CVE-2099-0001",
//	                 "fixedVersion": "1:1.2.13.dfsg-2", "severity": "CRITICAL", "title": "..."}]}
//
// "package" is the source package for Debian (trivy looks advisories up by source name); an empty fixedVersion is an
// unfixed advisory (trivy reports it as "affected").
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	bolt "go.etcd.io/bbolt"
)

type advisory struct {
	Platform     string `json:"platform"`
	Package      string `json:"package"`
	ID           string `json:"id"`
	FixedVersion string `json:"fixedVersion"`
	Severity     string `json:"severity"`
	Title        string `json:"title"`
}

type spec struct {
	Advisories []advisory `json:"advisories"`
}

// Data sources trivy names in its report, per platform family.
var sources = map[string]types.DataSource{
	"debian": {ID: "debian", Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker"},
}

func main() {
	cacheDir := flag.String("cache-dir", "", "trivy cache directory to write db/ into (required)")
	flag.Parse()
	if err := run(*cacheDir); err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		os.Exit(1)
	}
}

func run(cacheDir string) error {
	if cacheDir == "" {
		return fmt.Errorf("-cache-dir is required: the trivy cache directory to write db/trivy.db into")
	}
	var s spec
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("stdin: %w (expected {\"advisories\": [...]})", err)
	}
	for i, a := range s.Advisories {
		if err := check(a); err != nil {
			return fmt.Errorf("advisories[%d]: %w", i, err)
		}
	}
	dbDir := filepath.Join(cacheDir, "db")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return err
	}
	// A fresh file each time: the advisories given are all the database holds.
	if err := os.Remove(db.Path(dbDir)); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := db.Init(dbDir); err != nil {
		return err
	}
	defer db.Close()
	dbc := db.Config{}
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range s.Advisories {
			severity, _ := types.NewSeverity(a.Severity)
			if err := dbc.PutAdvisory(tx, []string{a.Platform, a.Package}, a.ID, types.Advisory{FixedVersion: a.FixedVersion}); err != nil {
				return err
			}
			family := strings.Fields(a.Platform)[0]
			vuln := types.Vulnerability{
				Title:          a.Title,
				Description:    a.Title,
				Severity:       a.Severity,
				VendorSeverity: types.VendorSeverity{types.SourceID(family): severity},
			}
			if err := dbc.PutVulnerability(tx, a.ID, vuln); err != nil {
				return err
			}
			if err := dbc.PutVulnerabilityID(tx, a.ID); err != nil {
				return err
			}
			if err := dbc.PutDataSource(tx, a.Platform, sources[family]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return metadata.NewClient(dbDir).Update(metadata.Metadata{
		Version:      db.SchemaVersion,
		NextUpdate:   now.Add(24 * time.Hour),
		UpdatedAt:    now,
		DownloadedAt: now,
	})
}

func check(a advisory) error {
	fields := strings.Fields(a.Platform)
	if len(fields) != 2 {
		return fmt.Errorf("platform %q must be \"<family> <major version>\", e.g. \"debian 12\"", a.Platform)
	}
	if _, ok := sources[fields[0]]; !ok {
		return fmt.Errorf("platform %q: family %q is not supported (supported: debian)", a.Platform, fields[0])
	}
	if a.Package == "" || a.ID == "" {
		return fmt.Errorf("package and id are required")
	}
	if _, err := types.NewSeverity(a.Severity); err != nil {
		return fmt.Errorf("severity %q: one of %s", a.Severity, strings.Join(types.SeverityNames, ", "))
	}
	return nil
}
