// Package pulumibridge maps HashiCorp's Terraform random provider (a terraform-plugin-framework
// provider, github.com/terraform-providers/terraform-provider-random) onto the Pulumi package
// "random" through pulumi-terraform-bridge, with the tokens @pulumi/random uses
// (random:index/randomPassword:RandomPassword, ...).
//
// Why this module's path sits under the provider's: the Terraform provider is in the package
// internal/provider, which Go lets only packages under github.com/terraform-providers/
// terraform-provider-random/ import. Pulumi's own provider module
// (github.com/pulumi/pulumi-random/provider/v4) does the same bridging, but the Go module proxy
// does not serve it. See build.sh.
package pulumibridge

import (
	"context"
	"fmt"
	"unicode"

	tfpf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// Version is the version the provider reports to the engine; build.sh sets it with -ldflags -X
// (e.g. 4.21.2+tf-random.3.9.0.bridge.3.120.0: the plugin version, then what is really built).
var Version = "0.0.0-dev"

// Resources maps each Terraform resource type to the Pulumi type name in module "index".
var Resources = map[string]string{
	"random_bytes":    "RandomBytes",
	"random_id":       "RandomId",
	"random_integer":  "RandomInteger",
	"random_password": "RandomPassword",
	"random_pet":      "RandomPet",
	"random_shuffle":  "RandomShuffle",
	"random_string":   "RandomString",
	"random_uuid":     "RandomUuid",
	"random_uuid4":    "RandomUuid4",
	"random_uuid7":    "RandomUuid7",
}

// Token is the Pulumi type token of a type name in module "index", as pulumi-random names them:
// RandomPassword -> random:index/randomPassword:RandomPassword.
func Token(name string) tokens.Type {
	file := string(unicode.ToLower(rune(name[0]))) + name[1:]
	return tokens.Type("random:index/" + file + ":" + name)
}

// Provider is the bridge's description of the provider. metadata is the bridge-metadata.json
// tfgen wrote (nil when tfgen itself runs); upstreamDir is the Terraform provider's module
// directory, where tfgen reads the docs (empty at run time).
func Provider(metadata []byte, upstreamDir string) tfbridge.ProviderInfo {
	resources := map[string]*tfbridge.ResourceInfo{}
	for tf, name := range Resources {
		resources[tf] = &tfbridge.ResourceInfo{Tok: Token(name)}
	}
	// random_bytes has no "id" attribute; pulumi-random uses base64 as the ID.
	resources["random_bytes"].ComputeID = bytesID

	return tfbridge.ProviderInfo{
		Name:             "random",
		P:                tfpf.ShimProvider(provider.New()),
		Version:          Version,
		Description:      "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:         []string{"pulumi", "random"},
		License:          "Apache-2.0",
		Homepage:         "https://pulumi.io",
		Repository:       "https://github.com/pulumi/pulumi-random",
		GitHubOrg:        "hashicorp",
		UpstreamRepoPath: upstreamDir,
		Resources:        resources,
		MetadataInfo:     tfbridge.NewProviderMetadata(metadata),
	}
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes: no base64 property in state")
	}
	// base64 is sensitive in Terraform, so a secret here; a resource ID cannot be one.
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", fmt.Errorf("random_bytes: base64 is not a string")
	}
	return resource.ID(b.StringValue()), nil
}
