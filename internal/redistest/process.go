package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startWait bounds how long a local server may take to answer PING.
const startWait = 10 * time.Second

// process is one redis-server or redis-sentinel started for a test; it is
// killed at cleanup.
type process struct {
	Addr    string // 127.0.0.1:port
	Port    int
	logPath string
	exited  chan struct{}
	cmd     *exec.Cmd // for the signals of Server (server.go)
}

// argsFunc returns the command line of a server on the given free ports.
type argsFunc func(ports []int) []string

// startProcess starts bin on nports free loopback ports and waits until it
// answers PING. A free port can be taken between the probe and the
// server's bind, so a server that exits before answering is started again
// on new ports (three tries).
func startProcess(t testing.TB, dir, name, bin string, nports int, args argsFunc) *process {
	t.Helper()
	var lastErr error
	for try := range 3 {
		ports := freePorts(t, nports)
		p := spawn(t, dir, fmt.Sprintf("%s-%d", name, try), bin, ports[0], args(ports))
		if lastErr = p.waitPing(); lastErr == nil {
			return p
		}
		if !p.hasExited() {
			break // alive but mute: another try will not help
		}
	}
	t.Fatalf("redistest: %s did not start: %v", name, lastErr)
	return nil
}

func spawn(t testing.TB, dir, name, bin string, port int, args []string) *process {
	t.Helper()
	p, cmd, err := start(dir, name, bin, port, args)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// start runs bin with its output in dir/name.log; p.exited closes when it
// ends.
func start(dir, name, bin string, port int, args []string) (*process, *exec.Cmd, error) {
	p := &process{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port,
		logPath: filepath.Join(dir, name+".log"), exited: make(chan struct{})}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	dieWithParent(cmd)
	p.cmd = cmd
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(p.exited)
	}()
	return p, cmd, nil
}

func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// waitPing polls the server until it answers PING, exits, or startWait
// passes: a starting server signals nothing else.
func (p *process) waitPing() error {
	c := redis.NewClient(&redis.Options{Addr: p.Addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(startWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		switch {
		case err == nil:
			return nil
		case p.hasExited():
			return fmt.Errorf("exited: %s", p.logTail())
		case time.Now().After(deadline):
			return fmt.Errorf("no PONG within %s: %w; log: %s", startWait, err, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logTail returns the last lines of the server's log, for failure messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// lookBin returns the path of bin, or skips the test saying what to install.
func lookBin(t testing.TB, bin, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("redistest: %s not found on PATH (Debian: apt-get install %s); skipping the %s test", bin, pkg, t.Name())
	}
	return path
}
