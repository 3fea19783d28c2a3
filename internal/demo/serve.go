package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// serveLoopback serves h on a free loopback port until the returned
// function is called.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }() // ErrServerClosed once stopped
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			_ = hs.Close() // a server asked to stop stops
		}
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}
