// Package provider maps the Terraform docker provider onto Pulumi's `docker` package: the resource tokens, names and
// provider configuration that the `@pulumi/docker` Node.js SDK sends and expects. See ../README.md for what differs
// from the provider that ships with `@pulumi/docker`.
package provider

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is this build's own version (set with -ldflags -X); never the version of the SDK it serves.
var Version = "0.0.0-dev"

const (
	pkgName = "docker"
	module  = "index"
)

// Info returns the bridge configuration.
func Info() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(shim.NewProvider(Version)),
		Name:    pkgName,
		Version: Version,
		// The SDK's provider class and config keys: `host` falls back to DOCKER_HOST; `registry_auth` is a list
		// named in the singular.
		Config: map[string]*tfbridge.SchemaInfo{
			"host":          {Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: tfbridge.MakeResource(pkgName, module, "Container"),
				// A container's name is unique on the host, so a replacement must delete the old one first.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// A list that is one command, and a list whose TF name is singular: neither is pluralised.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			// The SDK calls the pulled image RemoteImage; its `name` is the image reference, not an autoname.
			"docker_image": {
				Tok:    tfbridge.MakeResource(pkgName, module, "RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_config":  {Tok: tfbridge.MakeResource(pkgName, module, "ServiceConfig")},
			"docker_network": {Tok: tfbridge.MakeResource(pkgName, module, "Network")},
			"docker_volume":  {Tok: tfbridge.MakeResource(pkgName, module, "Volume")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: tfbridge.MakeDataSource(pkgName, module, "getRemoteImage")},
		},
	}
	// Every other resource and data source: docker_<x> -> docker:index/<x>:<X>, as the SDK names them.
	info.MustComputeTokens(tokens.SingleModule("docker_", module, tokens.MakeStandard(pkgName)))
	// Resources whose `name` is optional in the SDK get "<logical name>-<random>" (at most 255 characters).
	info.SetAutonaming(255, "-")
	return info
}
