// CoreDNS with only the plugins the local real node needs: it answers cluster.local names (Services, pods) from the
// API server, on the address the cluster's scripts give it, so pods resolve Services as in any cluster.
package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
)

func init() {
	// The plugin chain, in CoreDNS's own order (core/dnsserver/zdirectives.go).
	dnsserver.Directives = []string{"bind", "errors", "kubernetes"}
}

func main() { coremain.Run() }
