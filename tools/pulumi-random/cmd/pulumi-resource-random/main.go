// pulumi-resource-random, the bridged random provider. It embeds schema.json and
// bridge-metadata.json, which pulumi-tfgen-random generates: build.sh runs it in a temporary copy
// of this module and builds there, so "go build" right here fails for want of them, by design.
package main

import (
	"context"
	_ "embed"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/terraform-providers/terraform-provider-random/pulumibridge"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func main() {
	pfbridge.Main(context.Background(), "random", pulumibridge.Provider(bridgeMetadata, ""),
		pfbridge.ProviderMetadata{PackageSchema: schema})
}
