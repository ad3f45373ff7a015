package pulumibridge

import (
	"context"
	"sort"
	"testing"

	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Every Terraform resource is mapped, to the tokens @pulumi/random 4.21.2 uses.
func TestEveryResourceMapped(t *testing.T) {
	info := Provider(nil, "")
	var tf []string
	info.P.ResourcesMap().Range(func(key string, _ shim.Resource) bool {
		tf = append(tf, key)
		return true
	})
	sort.Strings(tf)
	if len(tf) != len(Resources) {
		t.Fatalf("the Terraform provider has %d resources %v, %d are mapped", len(tf), tf, len(Resources))
	}
	for _, name := range tf {
		if _, ok := info.Resources[name]; !ok {
			t.Errorf("%s is not mapped", name)
		}
	}
	if got, want := string(info.Resources["random_password"].Tok), "random:index/randomPassword:RandomPassword"; got != want {
		t.Errorf("random_password: %s, want %s", got, want)
	}
}

// The generated values the project keeps secret are sensitive in Terraform, which the bridge
// turns into secret outputs.
func TestSensitive(t *testing.T) {
	res := Provider(nil, "").P.ResourcesMap()
	for tf, attrs := range map[string][]string{
		"random_password": {"result", "bcrypt_hash"},
		"random_bytes":    {"base64", "hex"},
	} {
		r, ok := res.GetOk(tf)
		if !ok {
			t.Fatalf("no %s", tf)
		}
		for _, a := range attrs {
			s, ok := r.Schema().GetOk(a)
			if !ok || !s.Sensitive() {
				t.Errorf("%s.%s is not sensitive", tf, a)
			}
		}
	}
}

func TestBytesID(t *testing.T) {
	state := resource.PropertyMap{"base64": resource.MakeSecret(resource.NewStringProperty("AAEC"))}
	id, err := bytesID(context.Background(), state)
	if err != nil || id != "AAEC" {
		t.Fatalf("id %q, err %v", id, err)
	}
}
