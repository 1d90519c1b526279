// Package java stands in for the Java code generator of pulumi-java, which the Go module proxy used to build our
// tools refuses. pulumi-docker-build imports it only for the type of the `java` block of the schema's language
// metadata (used when generating a Java SDK, never by `pulumi up`), so this declares that type alone.
package java

// PackageInfo is the Java language metadata of a package schema.
type PackageInfo struct {
	Packages                        map[string]string `json:"packages,omitempty"`
	BasePackage                     string            `json:"basePackage,omitempty"`
	BuildFiles                      string            `json:"buildFiles,omitempty"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion,omitempty"`
}
