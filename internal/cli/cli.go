package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// Exit codes of the chatq command.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is what commands read and write besides the process environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// usageError marks a command-line mistake (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// Main runs the chatq command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	logger := processLogger(env.Stderr)
	defer routeRedisLogs(logger)()
	root := newRoot(env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if jsonLogs() {
		logger.Error("chatq: "+err.Error(), slog.Int("exit_code", code)) // stderr stays JSON lines
	} else {
		fmt.Fprintln(env.Stderr, "chatq:", err)
	}
	return code
}

func exitCode(err error) int {
	var ue *usageError
	var ce *ConfigError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return ExitUsage
	}
	return ExitFailure
}

func newRoot(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "chatq",
		Short:         "chatq delivers chat tasks from Redis to the Agora Chat REST API",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE:          groupRun,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newWorkerCmd(env),
		newEnqueueCmd(env),
		newPolicyCmd(env),
		newSandboxCmd(env),
		newDemoCmd(env),
		newMonitorCmd(env),
		newServeCmd(env),
		newDeadLetterCmd(env),
		newStatusCmd(env),
		newBenchCmd(env),
		newVersionCmd(env),
	)
	setVersion(root)
	return root
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[0])
	}
	return nil
}
