// Command pulumi-language-nodejs is opencode-cloud's own Node.js language host for the Pulumi CLI.
//
// Why it exists: Pulumi's own host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) cannot
// be fetched on the machines that build our tools, so this small host stands in for it. It carries the name the CLI
// looks for, but reports its own version (set by the tools manifest), never Pulumi's. It implements what `pulumi
// preview/up/destroy` ask of a language host: it finds the provider plugins the installed npm packages declare, and
// runs the program through the installed @pulumi/pulumi package's `cmd/run` script, with the Pulumi.yaml runtime
// options `nodeargs`, `typescript` and `tsconfig`. Code generation, policy packs and plugins written in Node.js are
// not supported.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is set at build time from tools/pulumi/tools.json (-X main.version=...).
var version = "0.0.0-dev"

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	// The CLI may pass these before the engine address; the host does not log or trace, so they are accepted and unused.
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint (passed on to the program)")
	flags.Bool("logtostderr", false, "accepted for compatibility")
	flags.Bool("logflow", false, "accepted for compatibility")
	flags.Int("v", 0, "accepted for compatibility")
	showVersion := flags.Bool("version", false, "print this host's version and exit")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *showVersion {
		fmt.Println(version)
		return
	}
	engineAddress := ""
	if flags.NArg() > 0 {
		engineAddress = flags.Arg(flags.NArg() - 1) // positional, always last
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: node is not on PATH: %v\n", err)
		os.Exit(1)
	}

	host := newHost(nodeBin, engineAddress, *tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The CLI reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}
