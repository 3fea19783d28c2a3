package cli

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/chatq/chatq/internal/taskline"
	"github.com/chatq/chatq/tasks"
)

// producer is what enqueueing a file needs of a *tasks.Client; a test wraps
// one to make Redis go away midway.
type producer interface {
	Check(taskType string, payload json.RawMessage, opts ...tasks.Option) error
	Enqueue(ctx context.Context, taskType string, payload json.RawMessage, opts ...tasks.Option) (string, error)
	Enqueued(ctx context.Context, taskType, key string) (string, bool, error)
}

var _ producer = (*tasks.Client)(nil)

// fileKeyPrefix starts the idempotency key derived for a line without its
// own: "chatq-file:<sha256 of the whole input>:<line number>".
const fileKeyPrefix = "chatq-file:"

// fileBatch is a JSON lines file ready to enqueue: its good lines, the
// options every line shares (the flags), and how a line's key is derived.
type fileBatch struct {
	lines   []taskline.Line
	readErr error // taskline.Read's errors: bad lines, a read error
	opts    []tasks.Option
	digest  string // hex SHA-256 of the input; "" = --no-file-keys
	// redisDown names a Redis that went away midway (asRedisDown) inside
	// the error that says which lines are enqueued; nil = as is.
	redisDown func(error) error
}

// enqueueFile checks every line of the file (or stdin), flags included, and
// enqueues them in order only if all pass.
func enqueueFile(ctx context.Context, env Env, fl *pflag.FlagSet, o enqueueOpts) error {
	c, err := loadConfig()
	if err != nil {
		return err
	}
	if fl.Changed("key") {
		return usagef(`--key: not with -f: a line takes its own "key", and a line without one gets a key derived from the file (see --no-file-keys)`)
	}
	opts, err := o.options(fl, c)
	if err != nil {
		return err
	}
	r, closeFn, err := openInput(env, o.file)
	if err != nil {
		return err
	}
	defer closeFn()
	b := readBatch(r, c.limits(), opts, !o.noFileKeys)
	b.redisDown = func(err error) error { return asRedisDown(c, err) }
	return withProducer(ctx, c, func(p *tasks.Client) error { return b.enqueue(ctx, env, p) })
}

// readBatch reads every line of r; fileKeys derives a key for each line
// without its own from the SHA-256 of all of r.
func readBatch(r io.Reader, l tasks.Limits, opts []tasks.Option, fileKeys bool) *fileBatch {
	sum := sha256.New()
	b := &fileBatch{opts: opts}
	b.lines, b.readErr = taskline.Read(io.TeeReader(r, sum), l)
	if fileKeys {
		b.digest = hex.EncodeToString(sum.Sum(nil))
	}
	return b
}

// key returns the idempotency key of line l: its own, else the derived one
// (none with --no-file-keys).
func (b *fileBatch) key(l taskline.Line) string {
	if l.Key != "" || b.digest == "" {
		return l.Key
	}
	return fileKeyPrefix + b.digest + ":" + strconv.Itoa(l.Number)
}

// options returns every option of line l: the flags, the line's fields and
// its key.
func (b *fileBatch) options(l taskline.Line) []tasks.Option {
	lineOpts, _ := l.Options() // taskline.Read checked them
	opts := append(slices.Clone(b.opts), lineOpts...)
	if k := b.key(l); k != "" && l.Key == "" {
		opts = append(opts, tasks.Key(k))
	}
	return opts
}

// enqueue checks every line, then enqueues them in order, printing one task
// id per line. A failure midway names the line; the lines before it are
// enqueued, and their keys make a rerun of the same file skip them.
func (b *fileBatch) enqueue(ctx context.Context, env Env, p producer) error {
	if err := b.check(p); err != nil {
		return fmt.Errorf("nothing enqueued:\n%w", err)
	}
	already := 0
	for i, l := range b.lines {
		id, before, err := b.enqueueLine(ctx, p, l)
		if err != nil {
			return b.midwayError(l, i, err)
		}
		if before {
			already++
		}
		fmt.Fprintln(env.Stdout, id)
	}
	if already > 0 {
		fmt.Fprintf(env.Stderr, "%d of %d line(s) had been enqueued before with the same idempotency key (an earlier run of this "+
			"same file, or the line's own \"key\") within CHATQ_IDEMPOTENCY_WINDOW: their task ids are printed again, nothing "+
			"was enqueued twice (--no-file-keys enqueues a file's lines again)\n", already, len(b.lines))
	}
	return nil
}

// check runs every check on every line: taskline.Read's own, then everything
// Enqueue would check with the line's options. The errors are one
// *taskline.LineError per bad line, in line order.
func (b *fileBatch) check(p producer) error {
	var errs []error
	if b.readErr != nil {
		errs = unjoin(b.readErr)
	}
	for _, l := range b.lines {
		if err := p.Check(l.Type, l.Payload, b.options(l)...); err != nil {
			errs = append(errs, &taskline.LineError{Line: l.Number, Err: err})
		}
	}
	slices.SortStableFunc(errs, func(x, y error) int { return cmp.Compare(lineOf(x), lineOf(y)) })
	return errors.Join(errs...)
}

// enqueueLine enqueues one line; before reports a keyed line that an
// earlier run (or its own key) had enqueued already: its id is returned
// and nothing is enqueued.
func (b *fileBatch) enqueueLine(ctx context.Context, p producer, l taskline.Line) (id string, before bool, err error) {
	if k := b.key(l); k != "" {
		if id, ok, err := p.Enqueued(ctx, l.Type, k); err != nil || ok {
			return id, ok, err
		}
	}
	id, err = p.Enqueue(ctx, l.Type, l.Payload, b.options(l)...)
	return id, false, err
}

// midwayError says which line failed, what is enqueued, and what a rerun
// does.
func (b *fileBatch) midwayError(l taskline.Line, done int, err error) error {
	rerun := "run the same command on the same file again to enqueue the rest: the lines already enqueued carry " +
		"idempotency keys (derived from the file's content and their line numbers, or their own \"key\"), so they " +
		"are not sent twice within CHATQ_IDEMPOTENCY_WINDOW"
	if b.digest == "" {
		rerun = "with --no-file-keys a rerun of the same file enqueues the lines already enqueued again (except lines " +
			"with their own \"key\"): remove them from the file first"
	}
	if b.redisDown != nil {
		err = b.redisDown(err)
	}
	return fmt.Errorf("line %d: enqueued %d of %d lines, then: %w\n%s", l.Number, done, len(b.lines), err, rerun)
}

// unjoin returns the errors errors.Join joined, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return slices.Clone(j.Unwrap())
	}
	return []error{err}
}

// lineOf is the line number of a *taskline.LineError; other errors (a read
// error) sort last.
func lineOf(err error) int {
	var le *taskline.LineError
	if errors.As(err, &le) {
		return le.Line
	}
	return int(^uint(0) >> 1)
}
