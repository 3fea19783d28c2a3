package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name the test sentinel monitors.
const SentinelMaster = "mymaster"

// Sentinel is a local Sentinel deployment started for one test: one master
// and one sentinel monitoring it (quorum 1) on loopback ports, their files
// under t.TempDir(), killed at cleanup.
type Sentinel struct {
	// URL is the deployment in asynq's form, for CHATQ_REDIS_URL:
	// redis-sentinel://127.0.0.1:<port>?master=mymaster.
	URL string
	// MasterAddr is the master's host:port; SentinelAddr the sentinel's.
	MasterAddr, SentinelAddr string
	// Opt connects asynq through the sentinel.
	Opt asynq.RedisFailoverClientOpt
	// Client is a go-redis failover client, closed at cleanup.
	Client *redis.Client
}

// NewSentinel starts a master and a sentinel and waits until the sentinel
// names the master. The sentinel is the redis-sentinel binary (Debian
// package redis-sentinel), else redis-server --sentinel; without
// redis-server the test is skipped.
func NewSentinel(t testing.TB) *Sentinel {
	t.Helper()
	server := lookBin(t, "redis-server", "redis-server")
	bin, mode := server, []string{"--sentinel"}
	if p, err := exec.LookPath("redis-sentinel"); err == nil {
		bin, mode = p, nil
	}
	dir := t.TempDir()
	master := startProcess(t, dir, "sentinel-master", server, 1, func(ports []int) []string {
		return []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir}
	})
	sentinel := startProcess(t, dir, "sentinel", bin, 1, func(ports []int) []string {
		conf := filepath.Join(dir, "sentinel-"+strconv.Itoa(ports[0])+".conf")
		writeSentinelConf(t, conf, dir, ports[0], master.Port)
		return append([]string{conf}, mode...)
	})
	s := &Sentinel{
		URL:        fmt.Sprintf("redis-sentinel://%s?master=%s", sentinel.Addr, SentinelMaster),
		MasterAddr: master.Addr, SentinelAddr: sentinel.Addr,
		Opt: asynq.RedisFailoverClientOpt{MasterName: SentinelMaster, SentinelAddrs: []string{sentinel.Addr}},
	}
	s.waitMaster(t)
	s.Client = redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: []string{sentinel.Addr}})
	t.Cleanup(func() { _ = s.Client.Close() })
	return s
}

// writeSentinelConf writes the sentinel's configuration; the sentinel
// rewrites the file while it runs, so it lives in the test's directory.
func writeSentinelConf(t testing.TB, path, dir string, port, masterPort int) {
	t.Helper()
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndaemonize no\ndir %s\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 5000\n",
		port, dir, SentinelMaster, masterPort, SentinelMaster)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatalf("redistest: sentinel config: %v", err)
	}
}

// waitMaster polls the sentinel until it names the master's address.
func (s *Sentinel) waitMaster(t testing.TB) {
	t.Helper()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.SentinelAddr})
	defer func() { _ = sc.Close() }()
	deadline := time.Now().Add(startWait)
	for {
		addr, err := sc.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
		if err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == s.MasterAddr {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: sentinel %s does not name master %s within %s: %v %v",
				s.SentinelAddr, s.MasterAddr, startWait, addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
