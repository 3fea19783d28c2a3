package cli

import (
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"
)

// Redis deployments chatq runs on (README "Scale out"): one server
// (redis://, rediss://), a Sentinel-managed master (redis-sentinel://, asynq's
// form) or a Redis Cluster (CHATQ_REDIS_CLUSTER_ADDRS). Every key chatq keeps
// itself carries the {chatq} hash tag, so its scripts and transactions stay in
// one cluster slot; asynq's own keys carry {queue} tags.

const (
	redisURLVar     = envPrefix + "_REDIS_URL"
	redisClusterVar = envPrefix + "_REDIS_CLUSTER_ADDRS"
	redisURLRule    = "must be a redis://, rediss:// or redis-sentinel:// URL"
)

// redisConnOpt turns CHATQ_REDIS_URL and CHATQ_REDIS_CLUSTER_ADDRS into
// asynq's connection option. The cluster addresses, when set, win over the
// URL's host and database; the URL still gives the user, the password and
// TLS (rediss://) for every cluster node.
func redisConnOpt(c Config) (asynq.RedisConnOpt, error) {
	u, err := url.Parse(c.RedisURL)
	if err != nil {
		return nil, &ConfigError{Var: redisURLVar, Rule: redisURLRule} // the parse error may echo a password
	}
	opt, err := asynq.ParseRedisURI(c.RedisURL)
	if err != nil {
		return nil, &ConfigError{Var: redisURLVar, Rule: redisURLRule + ": unsupported scheme " + strconv.Quote(u.Scheme)}
	}
	if len(c.RedisClusterAddrs) > 0 {
		return clusterOpt(c.RedisClusterAddrs, u, opt)
	}
	switch o := opt.(type) {
	case asynq.RedisClientOpt:
		o.Username = u.User.Username() // asynq's parser keeps only the password
		return o, nil
	case asynq.RedisFailoverClientOpt:
		if o.MasterName == "" {
			return nil, &ConfigError{Var: redisURLVar,
				Rule: "a redis-sentinel:// URL needs the master name: redis-sentinel://host:26379,host2:26379?master=mymaster"}
		}
		o.SentinelUsername = u.User.Username()
		return o, nil
	}
	return opt, nil
}

// clusterOpt builds the Redis Cluster option from the seed addresses and
// the credentials and TLS of CHATQ_REDIS_URL (parsed by asynq as opt).
func clusterOpt(addrs []string, u *url.URL, opt asynq.RedisConnOpt) (asynq.RedisConnOpt, error) {
	seeds := make([]string, len(addrs))
	for i, a := range addrs {
		seeds[i] = strings.TrimSpace(a)
		if !validHostPort(seeds[i]) {
			return nil, &ConfigError{Var: redisClusterVar,
				Rule: "must be a comma-separated list of host:port seed nodes, got " + strconv.Quote(a)}
		}
	}
	single, ok := opt.(asynq.RedisClientOpt)
	if !ok || u.Scheme == "redis-socket" {
		return nil, &ConfigError{Var: redisClusterVar,
			Rule: "cannot be combined with a " + u.Scheme + ":// " + redisURLVar + " (use redis:// or rediss:// for the credentials)"}
	}
	if single.DB != 0 {
		return nil, &ConfigError{Var: redisClusterVar,
			Rule: "Redis Cluster has only database 0, but " + redisURLVar + " selects database " + strconv.Itoa(single.DB)}
	}
	co := asynq.RedisClusterClientOpt{Addrs: seeds, Username: u.User.Username(), Password: single.Password}
	if single.TLSConfig != nil {
		// No ServerName: each node's certificate is checked against the
		// address it is dialled on (crypto/tls infers it from addr).
		co.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return co, nil
}

// validHostPort reports whether a is host:port with a port in 1..65535.
func validHostPort(a string) bool {
	host, port, err := net.SplitHostPort(a)
	if err != nil || host == "" {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}
