// The Pulumi Kubernetes resource provider, pulumi-resource-kubernetes: upstream's
// provider/cmd/pulumi-resource-kubernetes/main.go, repeated here because that package embeds
// schema-embed.json and terraform-mapping-embed.json, which upstream generates before building
// (its go:generate step) and which the module the Go proxy serves does not hold.
//
// build.sh copies this file, go.mod and go.sum into a temporary directory, runs upstream's
// generator (cmd/pulumi-resource-kubernetes/generate.go) there to produce the two files, and
// builds that directory; "go build" right here fails for want of them, by design.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

var providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
