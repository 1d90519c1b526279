// The Kubernetes provider plugin, built from the provider module at the version of the @pulumi/kubernetes npm
// package. The upstream main embeds two files generated from committed sources (the package schema with its version
// set, and the Terraform mapping); scripts/ci-env/build-kube.sh writes them beside this file before `go build`.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
