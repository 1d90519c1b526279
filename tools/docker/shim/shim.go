// Package shim exposes the Terraform docker provider's SDKv2 provider, which its module keeps in an internal package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the SDKv2 half of the Terraform provider (every resource and data source the Pulumi package
// bridges). The plugin-framework half (docker_compose, docker_containers data source, actions) is not bridged.
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
