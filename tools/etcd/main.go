// The etcd server's own main (go.etcd.io/etcd/server/v3's main.go, repeated here): the module's
// root package is that main, and "go build <module>@<version>" cannot take a go.sum, so this
// wrapper module pins etcd by go.mod and go.sum and builds the same two lines.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
