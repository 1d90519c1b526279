package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// bailExitCode is what @pulumi/pulumi's cmd/run exits with when it has already shown the user the error:
// the engine then stops without printing a second, generic message.
const bailExitCode = 32

// runScript is the program runner inside the @pulumi/pulumi npm package.
var runScript = filepath.Join("@pulumi", "pulumi", "cmd", "run")

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	nodeBin string
	tracing string

	mu            sync.Mutex
	engineAddress string
	children      map[*exec.Cmd]struct{}
}

func newHost(nodeBin, engineAddress, tracing string) *host {
	return &host{nodeBin: nodeBin, engineAddress: engineAddress, tracing: tracing, children: map[*exec.Cmd]struct{}{}}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// programDir is where the program lives: the ProgramInfo's directory, else the request's working directory.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if pwd != "" {
		return pwd
	}
	wd, _ := os.Getwd()
	return wd
}

func (h *host) plugins(info *pulumirpc.ProgramInfo, pwd string) ([]pluginPackage, error) {
	nodeModules, err := findNodeModules(programDir(info, pwd))
	if err != nil {
		return nil, err
	}
	return discoverPlugins(nodeModules)
}

func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	found, err := h.plugins(req.GetInfo(), req.GetPwd())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range found {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server})
	}
	return resp, nil
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	found, err := h.plugins(req.GetInfo(), "")
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range found {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server})
	}
	return resp, nil
}

// runtimeOptions are the Pulumi.yaml `runtime.options` this host honours.
type runtimeOptions struct {
	nodeArgs       []string
	typescript     bool
	tsconfig       string
	packageManager string
}

func readRuntimeOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true}
	raw := info.GetOptions().AsMap()
	for key, value := range raw {
		switch key {
		case "nodeargs":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option nodeargs must be a string of node flags, got %T", value)
			}
			opts.nodeArgs = strings.Fields(s)
		case "typescript":
			b, ok := value.(bool)
			if !ok {
				return opts, fmt.Errorf("runtime option typescript must be true or false, got %T", value)
			}
			opts.typescript = b
		case "tsconfig":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option tsconfig must be a path, got %T", value)
			}
			opts.tsconfig = s
		case "packagemanager":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option packagemanager must be npm, yarn, pnpm, bun or auto, got %T", value)
			}
			opts.packageManager = s
		}
	}
	return opts, nil
}

// runCommand is the node command line and environment for one RunRequest (pure: no I/O).
func runCommand(req *pulumirpc.RunRequest, opts runtimeOptions, runPath, engineAddress, tracing string) (args, env []string, err error) {
	args = append(args, opts.nodeArgs...)
	args = append(args, runPath)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name+"="+value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flag("parallel", fmt.Sprint(req.GetParallel()))
	}
	flag("tracing", tracing)
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = req.GetProgram()
	}
	if program == "" {
		program = "." // cmd/run then reads package.json's exports or main
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(nonNil(req.GetConfig()))
	if err != nil {
		return nil, nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	env = []string{
		"PULUMI_CONFIG=" + string(config),
		"PULUMI_CONFIG_SECRET_KEYS=" + string(secrets),
		fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", opts.typescript),
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return args, env, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// findRunScript locates @pulumi/pulumi/cmd/run in the nearest node_modules holding it.
func findRunScript(dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", runScript)
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("the @pulumi/pulumi npm package is not installed in %s or above it: run `npm ci` (or `npm install`) first", dir)
		}
	}
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := readRuntimeOptions(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	runPath, err := findRunScript(dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()
	args, env, err := runCommand(req, opts, runPath, engine, h.tracing)
	if err != nil {
		return nil, err
	}

	cmd := exec.Command(h.nodeBin, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", h.nodeBin, err)
	}
	h.track(cmd, true)
	err = cmd.Wait()
	h.track(cmd, false)
	return runResponse(err), nil
}

// runResponse maps the node process's end onto what the engine expects.
func runResponse(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() == bailExitCode {
			return &pulumirpc.RunResponse{Bail: true}
		}
		if exit.ExitCode() < 0 {
			return &pulumirpc.RunResponse{Error: "program ended by a signal: " + exit.String()}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exit.ExitCode())}
	}
	return &pulumirpc.RunResponse{Error: "could not run the program: " + err.Error()}
}

func (h *host) track(cmd *exec.Cmd, running bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if running {
		h.children[cmd] = struct{}{}
	} else {
		delete(h.children, cmd)
	}
}

// Cancel interrupts running programs; their Run calls then return the error.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.children {
		_ = cmd.Process.Signal(os.Interrupt)
	}
	return &emptypb.Empty{}, nil
}

// InstallDependencies runs the project's package manager (npm unless a lock file or the packagemanager option says
// otherwise), streaming its output to the CLI.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	opts, err := readRuntimeOptions(req.GetInfo())
	if err != nil {
		return err
	}
	dir := programDir(req.GetInfo(), req.GetDirectory())
	stdout := streamWriter(func(b []byte) error { return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) })
	stderr := streamWriter(func(b []byte) error { return stream.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) })
	manager := npm.PackageManagerType(opts.packageManager)
	if manager == "" {
		manager = npm.AutoPackageManager
	}
	name, err := npm.Install(stream.Context(), manager, dir, false, stdout, stderr)
	if err != nil {
		return fmt.Errorf("%s install in %s failed: %w", name, dir, err)
	}
	return nil
}

type streamWriter func([]byte) error

func (w streamWriter) Write(b []byte) (int, error) {
	if err := w(append([]byte(nil), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// GetProgramDependencies lists the program's direct npm dependencies with their installed versions.
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	var manifest struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the program's package.json: %w", err)
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %w", filepath.Join(dir, "package.json"), err)
	}
	names := make([]string, 0, len(manifest.Dependencies)+len(manifest.DevDependencies))
	for n := range manifest.Dependencies {
		names = append(names, n)
	}
	for n := range manifest.DevDependencies {
		names = append(names, n)
	}
	sort.Strings(names)
	nodeModules, _ := findNodeModules(dir)
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, n := range names {
		installed := "not installed"
		if b, err := os.ReadFile(filepath.Join(nodeModules, n, "package.json")); err == nil {
			var pkg struct {
				Version string `json:"version"`
			}
			if json.Unmarshal(b, &pkg) == nil && pkg.Version != "" {
				installed = pkg.Version
			}
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: n, Version: installed})
	}
	return resp, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.CommandContext(ctx, h.nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", h.nodeBin, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: h.nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "opencode-cloud pulumi-language-nodejs " + version},
	}, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
