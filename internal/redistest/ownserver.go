package redistest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
)

// own is the redis-server this test process starts when the configured
// server has no database a test may use. It lives as long as the process:
// no test owns it, and it dies with the process (dieWithParent).
var own struct {
	once sync.Once
	addr string
	err  error
}

// ownServer starts the process's own redis-server on first use and returns
// its address.
func ownServer() (string, error) {
	own.once.Do(func() { own.addr, own.err = startOwnServer() })
	return own.addr, own.err
}

// startOwnServer starts redis-server without persistence on a free
// loopback port; a port taken between the probe and the bind gets another
// try.
func startOwnServer() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", errors.New("redis-server is not on PATH (Debian: apt-get install redis-server)")
	}
	dir, err := os.MkdirTemp("", "chatq-redistest-")
	if err != nil {
		return "", fmt.Errorf("redis-server dir: %w", err)
	}
	var lastErr error
	for try := range 3 {
		port, err := freePort()
		if err != nil {
			return "", err
		}
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}
		p, cmd, err := start(dir, fmt.Sprintf("own-%d", try), bin, port, args)
		if err != nil {
			return "", err
		}
		if lastErr = p.waitPing(); lastErr == nil {
			return p.Addr, nil
		}
		_ = cmd.Process.Kill()
	}
	return "", fmt.Errorf("redis-server did not start: %w", lastErr)
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
