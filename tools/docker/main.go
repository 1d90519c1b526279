// pulumi-resource-docker: the Terraform docker provider served to Pulumi through the Terraform bridge, with the
// package schema generated from the provider's own schema when the plugin starts (no generated file to keep).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"opencode-cloud/tools/docker/provider"
)

func main() {
	info := provider.Info()
	schema, err := packageSchema(info)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-docker: generating the package schema: %v\n", err)
		os.Exit(1)
	}
	// `pulumi-resource-docker -schema` prints what GetSchema answers (what scripts/docker-schema-diff.ts reads).
	if len(os.Args) == 2 && os.Args[1] == "-schema" {
		_, _ = os.Stdout.Write(schema)
		return
	}
	tfbridge.Main("docker", provider.Version, info, schema)
}

// packageSchema runs the bridge's schema generator in memory; its diagnostics go to stderr, never to the engine's
// gRPC channel on stdout.
func packageSchema(info tfbridge.ProviderInfo) ([]byte, error) {
	sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
	res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{
		ProviderInfo:    info,
		DiagnosticsSink: sink,
		XInMemoryDocs:   true,
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(res.PackageSpec)
}
