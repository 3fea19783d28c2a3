package redistest

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"

	"github.com/hibiken/asynq"
)

// ServerOptions configure a private server.
type ServerOptions struct {
	// AOF turns on the append-only file with appendfsync always, so a
	// server killed with SIGKILL and started again has every write it
	// acknowledged.
	AOF bool
}

// Server is a private redis-server started for one test on a free loopback
// port, its files under t.TempDir(), for tests that kill, restart or stop
// Redis: never do that to a shared server (CHATQ_TEST_REDIS_URL, 6379).
// It is killed at cleanup.
type Server struct {
	// Addr is 127.0.0.1:port; URL is redis://Addr/0, for CHATQ_REDIS_URL.
	Addr, URL string
	// Opt connects asynq to the server.
	Opt asynq.RedisClientOpt

	t    testing.TB
	dir  string
	bin  string
	args []string
	p    *process
	runs int
}

// NewServer starts a redis-server and waits until it answers PING. It
// skips the test when redis-server is not installed.
func NewServer(t testing.TB, o ServerOptions) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir(), bin: lookBin(t, "redis-server", "redis-server")}
	s.p = startProcess(t, s.dir, "server", s.bin, 1, func(ports []int) []string {
		s.args = serverArgs(ports[0], s.dir, o)
		return s.args
	})
	s.Addr, s.URL = s.p.Addr, "redis://"+s.p.Addr+"/0"
	s.Opt = asynq.RedisClientOpt{Addr: s.p.Addr}
	return s
}

func serverArgs(port int, dir string, o ServerOptions) []string {
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--daemonize", "no",
		"--save", "", "--dir", dir}
	if o.AOF {
		return append(args, "--appendonly", "yes", "--appendfsync", "always")
	}
	return append(args, "--appendonly", "no")
}

// Kill sends SIGKILL and waits until the server has exited.
func (s *Server) Kill() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
	<-s.p.exited
}

// Restart starts the server again on the same port and directory (so with
// AOF it loads what it had) and waits until it answers PING. The server
// must have exited (Kill).
func (s *Server) Restart() {
	s.t.Helper()
	if !s.p.hasExited() {
		s.t.Fatalf("redistest: restart of %s while it runs", s.Addr)
	}
	s.runs++
	s.p = spawn(s.t, s.dir, fmt.Sprintf("server-restart-%d", s.runs), s.bin, s.p.Port, s.args)
	if err := s.p.waitPing(); err != nil {
		s.t.Fatalf("redistest: restart of %s: %v", s.Addr, err)
	}
}

// Stop freezes the server (SIGSTOP): it keeps its connections but answers
// nothing until Cont.
func (s *Server) Stop() { s.t.Helper(); s.signal(syscall.SIGSTOP) }

// Cont resumes a stopped server (SIGCONT).
func (s *Server) Cont() { s.t.Helper(); s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.p.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: %s to redis-server %s: %v", sig, s.Addr, err)
	}
}
