package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// pluginPackage is one provider plugin an installed npm package asks for.
type pluginPackage struct {
	Name    string // plugin name, e.g. "docker-build"
	Version string // with a leading "v", as the engine expects
	Server  string // download server, if the package names one
	Source  string // the package.json it came from (for messages)
}

// packageManifest is the part of a package.json that marks a Pulumi provider SDK:
// "pulumi": {"resource": true, "name": "...", "version": "...", "server": "..."}.
type packageManifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// pluginFromManifest reads one package.json; ok is false when the package needs no plugin.
func pluginFromManifest(data []byte, source string) (plugin pluginPackage, ok bool, err error) {
	var m packageManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return pluginPackage{}, false, fmt.Errorf("%s: not valid JSON: %w", source, err)
	}
	if m.Pulumi == nil || !m.Pulumi.Resource {
		return pluginPackage{}, false, nil
	}
	name := m.Pulumi.Name
	if name == "" {
		// Older SDKs carry no plugin name: @pulumi/x needs plugin x, @scope/x needs scope/x.
		name = strings.TrimPrefix(strings.TrimPrefix(m.Name, "@pulumi/"), "@")
	}
	if name == "" {
		return pluginPackage{}, false, fmt.Errorf("%s: pulumi.resource is true but neither pulumi.name nor name is set", source)
	}
	version := m.Pulumi.Version
	if version == "" {
		version = m.Version
	}
	if version == "" {
		return pluginPackage{}, false, fmt.Errorf("%s: pulumi.resource is true but neither pulumi.version nor version is set", source)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	return pluginPackage{Name: name, Version: version, Server: m.Pulumi.Server, Source: source}, true, nil
}

// findNodeModules returns the node_modules directory nearest to dir, walking up (npm's own lookup order).
func findNodeModules(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules")
		if info, err := os.Stat(candidate); err == nil && info.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no node_modules directory in %s or above it: run `npm ci` (or `npm install`) first", dir)
		}
	}
}

// discoverPlugins walks a node_modules tree (nested node_modules included, symlinks followed once) and returns the
// provider plugins its packages ask for, one per name and version, sorted.
func discoverPlugins(nodeModules string) ([]pluginPackage, error) {
	seen := map[string]pluginPackage{}
	visited := map[string]bool{}
	var walk func(dir string) error
	walk = func(dir string) error {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil // a dangling link is not a package
		}
		if visited[real] {
			return nil
		}
		visited[real] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue // .bin, .package-lock.json, .cache
			}
			path := filepath.Join(dir, name)
			if strings.HasPrefix(name, "@") {
				if err := walk(path); err != nil { // a scope directory holds packages
					return err
				}
				continue
			}
			if err := visitPackage(path, seen, walk); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nodeModules); err != nil {
		return nil, err
	}
	out := make([]pluginPackage, 0, len(seen))
	for _, p := range seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

func visitPackage(dir string, seen map[string]pluginPackage, walk func(string) error) error {
	manifest := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(manifest)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid):
		return nil
	case err != nil:
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) && strings.Contains(pathErr.Err.Error(), "not a directory") {
			return nil // a file in node_modules, not a package
		}
		return fmt.Errorf("reading %s: %w", manifest, err)
	}
	plugin, ok, err := pluginFromManifest(data, manifest)
	if err != nil {
		return err
	}
	if ok {
		seen[plugin.Name+"@"+plugin.Version] = plugin
	}
	nested := filepath.Join(dir, "node_modules")
	if info, err := os.Stat(nested); err == nil && info.IsDir() {
		return walk(nested)
	}
	return nil
}
