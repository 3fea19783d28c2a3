package taskline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/chatq/chatq/tasks"
)

// MaxLineBytes is the longest JSON line Read accepts, newline excluded.
const MaxLineBytes = 1 << 20

// Line is one task as JSON:
//
//	{"type":"message:send","key":"optional","ttl":"2h","payload":{…}}
//
// Options returns the options the optional fields stand for.
type Line struct {
	Type string `json:"type"`
	// Key is the idempotency key of the task (tasks.Key); "" = none.
	Key string `json:"key,omitempty"`
	// ExpiresAt is the task's deadline, an RFC 3339 time (tasks.ExpiresAt).
	ExpiresAt string `json:"expires_at,omitempty"`
	// TTL is the task's time to live from its enqueue, a Go duration such
	// as "90s" or "2h" (tasks.TTL). At most one of ExpiresAt and TTL.
	TTL string `json:"ttl,omitempty"`
	// OrderKey makes the task ordered under this key (tasks.OrderKey);
	// Ordered under its conversation's key (tasks.Ordered). At most one.
	OrderKey string          `json:"order_key,omitempty"`
	Ordered  bool            `json:"ordered,omitempty"`
	Payload  json.RawMessage `json:"payload"`
	// Number is the line's 1-based number in its input, set by Read.
	Number int `json:"-"`
}

// LineError is the error of one line of a JSON lines file.
type LineError struct {
	Line int   // 1-based line number
	Err  error // usually a *tasks.ValidationError
}

// Error returns "line <n>: <err>".
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns Err.
func (e *LineError) Unwrap() error { return e.Err }

// Read reads every line of r and returns the valid ones, each with its
// Number. Blank lines and lines starting with '#' are skipped; each other
// line must pass Parse. Read does not stop at a bad line:
// the error joins (errors.Join) one *LineError per bad line, so a caller can
// print them all. Lines longer than MaxLineBytes are errors too; a read
// error of r is returned as is, joined after the line errors.
func Read(r io.Reader, l tasks.Limits) ([]Line, error) {
	br := bufio.NewReader(r)
	var (
		lines []Line
		errs  []error
	)
	for n := 1; ; n++ {
		text, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return lines, errors.Join(append(errs, fmt.Errorf("reading line %d: %w", n, err))...)
		}
		if tooLong {
			errs = append(errs, &LineError{Line: n, Err: fmt.Errorf("longer than %d bytes", MaxLineBytes)})
		} else if text = bytes.TrimSpace(text); len(text) == 0 || text[0] == '#' {
			// blank or a comment
		} else if line, lerr := Parse(text, l); lerr != nil {
			errs = append(errs, &LineError{Line: n, Err: lerr})
		} else {
			line.Number = n
			lines = append(lines, line)
		}
		if err != nil { // io.EOF, after the last line
			return lines, errors.Join(errs...)
		}
	}
}

// readLine returns the next line without its "\n" or "\r\n". tooLong reports
// a line over MaxLineBytes, whose rest is discarded. err is io.EOF when the
// line is the last one.
func readLine(br *bufio.Reader) (text []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, rerr := br.ReadLine()
		if rerr != nil {
			return text, tooLong, rerr
		}
		if !tooLong {
			text = append(text, chunk...)
			tooLong = len(text) > MaxLineBytes
		}
		if !isPrefix {
			return text, tooLong, nil
		}
	}
}

// Parse decodes one task: strictly (unknown fields rejected), with a
// known type, a payload that tasks.Decode accepts with l, well-formed
// optional fields and an "expires_at", if any, that has not passed yet.
// Every error is a *tasks.ValidationError naming the field.
func Parse(b []byte, l tasks.Limits) (Line, error) {
	var line Line
	if err := tasks.UnmarshalStrict(b, &line); err != nil {
		return Line{}, err
	}
	if !slices.Contains(tasks.Types(), line.Type) {
		_, err := tasks.Decode(line.Type, line.Payload, l) // its error names the known types
		return Line{}, err
	}
	if len(line.Payload) == 0 {
		return Line{}, line.invalid("payload", "is required")
	}
	p, err := tasks.Decode(line.Type, line.Payload, l)
	if err != nil {
		return Line{}, err
	}
	if line.Ordered {
		if _, err := tasks.ConversationKey(p); err != nil {
			return Line{}, err
		}
	}
	if _, err := line.Options(); err != nil {
		return Line{}, err
	}
	if err := line.checkDeadline(time.Now()); err != nil {
		return Line{}, err
	}
	return line, nil
}
