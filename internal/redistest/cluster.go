package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// clusterNodes is the size of a test cluster: three masters, the fewest
// redis-cli --cluster create accepts, no replicas.
const clusterNodes = 3

// Cluster is a local Redis Cluster started for one test: three masters on
// loopback ports, their files under t.TempDir(), killed at cleanup.
type Cluster struct {
	// Addrs are the masters' host:port addresses (the seed list).
	Addrs []string
	// Opt connects asynq to the cluster.
	Opt asynq.RedisClusterClientOpt
	// Client is a go-redis cluster client, closed at cleanup.
	Client *redis.ClusterClient
}

// NewCluster starts a three-master Redis Cluster and waits until every node
// says cluster_state:ok. It skips the test when redis-server or redis-cli is
// not installed.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	server := lookBin(t, "redis-server", "redis-server")
	cli := lookBin(t, "redis-cli", "redis-tools")
	dir := t.TempDir()
	c := &Cluster{}
	for i := range clusterNodes {
		name := "cluster-node-" + strconv.Itoa(i)
		p := startProcess(t, dir, name, server, 2, func(ports []int) []string {
			return []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
				"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(ports[1]),
				"--cluster-config-file", filepath.Join(dir, name+"-"+strconv.Itoa(ports[0])+".conf"),
				"--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no", "--daemonize", "no",
				"--dir", dir}
		})
		c.Addrs = append(c.Addrs, p.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.waitOK(t)
	c.Opt = asynq.RedisClusterClientOpt{Addrs: c.Addrs}
	c.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = c.Client.Close() })
	return c
}

// waitOK polls CLUSTER INFO on every node until all say cluster_state:ok
// (slots assigned and gossip converged); nothing else signals it.
func (c *Cluster) waitOK(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(startWait)
	for _, addr := range c.Addrs {
		node := redis.NewClient(&redis.Options{Addr: addr})
		for {
			info, err := node.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				_ = node.Close()
				t.Fatalf("redistest: cluster node %s not ok within %s: %v %s", addr, startWait, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = node.Close()
	}
}

// String names the cluster's seed nodes, for logs.
func (c *Cluster) String() string { return fmt.Sprintf("redis cluster %s", strings.Join(c.Addrs, ",")) }
