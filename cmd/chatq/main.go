// Command chatq delivers chat tasks from Redis to the Agora Chat REST API.
// Run "chatq --help" for its commands; the README has the details.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/chatq/chatq/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
