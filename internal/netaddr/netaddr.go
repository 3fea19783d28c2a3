// Package netaddr answers questions about listen addresses that the servers
// chatq exposes (the monitor, the ingest API) ask before they start.
package netaddr

import (
	"fmt"
	"net"
	"strings"
)

// IsLoopback reports whether addr's host is a loopback address or
// "localhost". An empty host (":8080") means every interface, so it is not.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
