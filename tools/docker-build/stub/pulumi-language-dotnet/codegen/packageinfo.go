// Package codegen stands in for the C# code generator of pulumi-language-dotnet, which the Go module proxy used to
// build our tools refuses. pulumi-docker-build imports it only for the type of the `csharp` block of the schema's
// language metadata (used when generating a C# SDK, never by `pulumi up`), so this declares that type alone.
package codegen

// CSharpPackageInfo is the C# language metadata of a package schema.
type CSharpPackageInfo struct {
	PackageReferences      map[string]string `json:"packageReferences,omitempty"`
	Namespaces             map[string]string `json:"namespaces,omitempty"`
	Compatibility          string            `json:"compatibility,omitempty"`
	DictionaryConstructors bool              `json:"dictionaryConstructors,omitempty"`
	RespectSchemaVersion   bool              `json:"respectSchemaVersion,omitempty"`
}
