package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/deadletter"
)

func newMonitorCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "monitor",
		Short: "Serve the web UI (asynqmon, chatq's on-call console and JSON API) until SIGTERM or SIGINT",
		Long: `Serve asynqmon under CHATQ_MONITOR_PATH on CHATQ_MONITOR_ADDR, with chatq's
on-call console under /console/ (overview, dead letters with replay and
delete, audit log, policy) and its JSON API under /chatq/api/ (deadletters,
policy, tokens).

Authentication: HTTP basic auth when CHATQ_MONITOR_USER and
CHATQ_MONITOR_PASSWORD are set; CHATQ_MONITOR_READONLY=true allows only GET.
A non-loopback address without credentials is refused unless
CHATQ_MONITOR_INSECURE=true. Token state is known only inside a worker
(CHATQ_MONITOR_ENABLED=true there).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMonitor(cmd.Context(), env)
		},
	}
}

func runMonitor(ctx context.Context, env Env) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	conn, rdb, err := openRedis(ctx, c) // asynqmon without Redis would show only errors
	if err != nil {
		return err
	}
	defer rdb.Close()
	p, err := newPolicy(c)
	if err != nil {
		return err
	}
	mc := monitorConfig(c, conn)
	store := deadletter.New(rdb, deadletter.Config{AuditMaxLen: c.DeadLetterAuditMaxEntries})
	mc.Rules, mc.DeadLetters = p.Table().Rules(), store
	mc.Console = consoleConfig(c, conn, rdb, store, p.Table())
	stop, _, err := serveMonitor(ctx, env, mc)
	if err != nil {
		return err
	}
	defer stop()
	<-ctx.Done()
	return nil
}
