package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPluginFromManifest(t *testing.T) {
	cases := []struct {
		name, manifest string
		want           pluginPackage
		ok             bool
		errPart        string
	}{
		{"explicit name and version", `{"name":"@pulumi/docker-build","version":"0.0.22","pulumi":{"resource":true,"name":"docker-build","version":"0.0.22"}}`,
			pluginPackage{Name: "docker-build", Version: "v0.0.22"}, true, ""},
		{"server kept", `{"name":"@acme/x","version":"1.2.3","pulumi":{"resource":true,"name":"x","server":"https://example.invalid/x"}}`,
			pluginPackage{Name: "x", Version: "v1.2.3", Server: "https://example.invalid/x"}, true, ""},
		{"pulumi scope dropped when no name", `{"name":"@pulumi/docker","version":"5.2.0","pulumi":{"resource":true}}`,
			pluginPackage{Name: "docker", Version: "v5.2.0"}, true, ""},
		{"other scope keeps its name", `{"name":"@acme/thing","version":"2.0.0","pulumi":{"resource":true}}`,
			pluginPackage{Name: "acme/thing", Version: "v2.0.0"}, true, ""},
		{"v prefix not doubled", `{"name":"p","version":"9.9.9","pulumi":{"resource":true,"version":"v1.0.0"}}`,
			pluginPackage{Name: "p", Version: "v1.0.0"}, true, ""},
		{"the SDK itself is no plugin", `{"name":"@pulumi/pulumi","version":"3.248.0","pulumi":{"comment":"x"}}`, pluginPackage{}, false, ""},
		{"resource false", `{"name":"p","version":"1.0.0","pulumi":{"resource":false}}`, pluginPackage{}, false, ""},
		{"no pulumi field", `{"name":"tsx","version":"4.0.0"}`, pluginPackage{}, false, ""},
		{"no version anywhere", `{"name":"p","pulumi":{"resource":true}}`, pluginPackage{}, false, "neither pulumi.version nor version"},
		{"no name anywhere", `{"version":"1.0.0","pulumi":{"resource":true}}`, pluginPackage{}, false, "neither pulumi.name nor name"},
		{"broken JSON", `{"name":`, pluginPackage{}, false, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := pluginFromManifest([]byte(c.manifest), "x/package.json")
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) || !strings.Contains(err.Error(), "x/package.json") {
					t.Fatalf("error = %v, want one naming x/package.json and %q", err, c.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Source = ""
			if ok != c.ok || got != c.want {
				t.Fatalf("got %+v ok=%v, want %+v ok=%v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestDiscoverPlugins(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"), map[string]any{"name": "@pulumi/pulumi", "version": "3.248.0", "pulumi": map[string]any{"comment": "sdk"}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "docker", "package.json"), map[string]any{"name": "@pulumi/docker", "version": "5.2.0", "pulumi": map[string]any{"resource": true, "name": "docker", "version": "5.2.0"}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "docker-build", "package.json"), map[string]any{"name": "@pulumi/docker-build", "version": "0.0.22", "pulumi": map[string]any{"resource": true, "name": "docker-build", "version": "0.0.22"}})
	// A nested copy at another version is a second requirement; the same version twice is one.
	writeJSON(t, filepath.Join(nm, "some-lib", "package.json"), map[string]any{"name": "some-lib", "version": "1.0.0"})
	writeJSON(t, filepath.Join(nm, "some-lib", "node_modules", "@pulumi", "docker", "package.json"), map[string]any{"name": "@pulumi/docker", "version": "4.5.0", "pulumi": map[string]any{"resource": true}})
	writeJSON(t, filepath.Join(nm, "other", "node_modules", "@pulumi", "docker-build", "package.json"), map[string]any{"name": "@pulumi/docker-build", "version": "0.0.22", "pulumi": map[string]any{"resource": true}})
	// Noise the walk must pass over: .bin, a loose file, a dangling link, a link cycle.
	if err := os.MkdirAll(filepath.Join(nm, ".bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nm, ".package-lock.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "missing"), filepath.Join(nm, "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(nm, filepath.Join(nm, "some-lib", "node_modules", "loop")); err != nil {
		t.Fatal(err)
	}

	got, err := discoverPlugins(nm)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name+"@"+p.Version)
	}
	want := []string{"docker@v4.5.0", "docker@v5.2.0", "docker-build@v0.0.22"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("plugins = %v, want %v", names, want)
	}

	// From a subdirectory of the program the nearest node_modules above is used.
	sub := filepath.Join(root, "src", "deep")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if found, err := findNodeModules(sub); err != nil || found != nm {
		t.Fatalf("findNodeModules = %q, %v; want %q", found, err, nm)
	}
	if _, err := findNodeModules(t.TempDir()); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("want an error telling to run npm ci, got %v", err)
	}
}

func TestDiscoverPluginsReportsBrokenManifest(t *testing.T) {
	nm := filepath.Join(t.TempDir(), "node_modules")
	if err := os.MkdirAll(filepath.Join(nm, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nm, "bad", "package.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := discoverPlugins(nm); err == nil || !strings.Contains(err.Error(), filepath.Join("bad", "package.json")) {
		t.Fatalf("want an error naming bad/package.json, got %v", err)
	}
}

func TestRunCommand(t *testing.T) {
	options, err := structpb.NewStruct(map[string]any{"nodeargs": "--import tsx", "typescript": false})
	if err != nil {
		t.Fatal(err)
	}
	info := &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p", EntryPoint: "index.ts", Options: options}
	opts, err := readRuntimeOptions(info)
	if err != nil {
		t.Fatal(err)
	}
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Project: "proj", Stack: "dev", Pwd: "/p", Organization: "organization",
		DryRun: true, Parallel: 16, Info: info, Args: []string{"extra"},
		Config: map[string]string{"proj:port": "3000", "proj:password": "s3cret"}, ConfigSecretKeys: []string{"proj:password"},
	}
	args, env, err := runCommand(req, opts, "/p/node_modules/@pulumi/pulumi/cmd/run", "127.0.0.1:2", "")
	if err != nil {
		t.Fatal(err)
	}
	wantArgs := []string{"--import", "tsx", "/p/node_modules/@pulumi/pulumi/cmd/run", "--monitor=127.0.0.1:1", "--engine=127.0.0.1:2",
		"--organization=organization", "--project=proj", "--root-directory=/p", "--stack=dev", "--pwd=/p", "--dry-run", "--parallel=16",
		"index.ts", "extra"}
	if !reflect.DeepEqual(args, wantArgs) {
		t.Fatalf("args =\n %q\nwant\n %q", args, wantArgs)
	}
	wantEnv := []string{`PULUMI_CONFIG={"proj:password":"s3cret","proj:port":"3000"}`, `PULUMI_CONFIG_SECRET_KEYS=["proj:password"]`, "PULUMI_NODEJS_TYPESCRIPT=false"}
	if !reflect.DeepEqual(env, wantEnv) {
		t.Fatalf("env = %q, want %q", env, wantEnv)
	}

	// No entry point: "." lets cmd/run read package.json; no options: TypeScript on, no node flags; empty secrets list.
	args, env, err = runCommand(&pulumirpc.RunRequest{MonitorAddress: "m"}, runtimeOptions{typescript: true}, "run", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(args, []string{"run", "--monitor=m", "."}) {
		t.Fatalf("args = %q", args)
	}
	if !reflect.DeepEqual(env, []string{"PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]", "PULUMI_NODEJS_TYPESCRIPT=true"}) {
		t.Fatalf("env = %q", env)
	}
}

func TestReadRuntimeOptionsRejectsWrongTypes(t *testing.T) {
	for key, value := range map[string]any{"nodeargs": true, "typescript": "yes", "tsconfig": 1.0, "packagemanager": false} {
		options, _ := structpb.NewStruct(map[string]any{key: value})
		if _, err := readRuntimeOptions(&pulumirpc.ProgramInfo{Options: options}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%v: error %v, want one naming %s", key, value, err, key)
		}
	}
}

func TestRunResponse(t *testing.T) {
	exitWith := func(code string) error { return exec.Command("sh", "-c", "exit "+code).Run() }
	if r := runResponse(nil); r.Error != "" || r.Bail {
		t.Fatalf("success: %+v", r)
	}
	if r := runResponse(exitWith("32")); r.Error != "" || !r.Bail {
		t.Fatalf("exit 32 (error already shown): %+v", r)
	}
	if r := runResponse(exitWith("1")); r.Bail || !strings.Contains(r.Error, "exit code: 1") {
		t.Fatalf("exit 1: %+v", r)
	}
}
