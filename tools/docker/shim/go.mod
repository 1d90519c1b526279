// The one package that may import the Terraform provider's `internal/provider`: Go allows an internal package to be
// imported by any package whose import path shares the parent of `internal`, so this module's path lies under the
// Terraform provider's own path. It is a local module (replaced by ./shim in ../go.mod), never published.
module github.com/terraform-providers/terraform-provider-docker/shim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-sdk/v2 v2.40.1
	github.com/terraform-providers/terraform-provider-docker v0.0.0
)

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
