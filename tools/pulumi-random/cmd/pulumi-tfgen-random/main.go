// pulumi-tfgen-random writes the Pulumi package schema (schema.json) and the bridge's metadata
// (bridge-metadata.json) of the bridged random provider: build.sh runs
//
//	RANDOM_UPSTREAM_DIR=<terraform-provider-random module dir> pulumi-tfgen-random schema --out <dir>
//
// RANDOM_UPSTREAM_DIR is where the upstream docs are read from (the module the build uses),
// rather than whatever "go mod download" would resolve for github.com/hashicorp/terraform-provider-random.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"github.com/terraform-providers/terraform-provider-random/pulumibridge"
)

func main() {
	dir := os.Getenv("RANDOM_UPSTREAM_DIR")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "RANDOM_UPSTREAM_DIR is not set (the terraform-provider-random module directory)")
		os.Exit(2)
	}
	tfgen.Main("random", pulumibridge.Provider(nil, dir))
}
