package tasks

import "fmt"

// DefaultMaxMessageBytes is the default limit on the size of a message's body
// plus ext, in compacted JSON bytes. It is the 40 KB of the older Easemob
// documentation; current Agora documentation says 5 KB, so producers that
// target Agora may want Limits{MaxMessageBytes: 5120}.
const DefaultMaxMessageBytes = 40960

// Limits are the validation limits that vary between provider plans. The
// zero value means the defaults.
type Limits struct {
	// MaxMessageBytes is the largest len(body)+len(ext) of a message, in
	// compacted JSON bytes. Zero (or a negative value) means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int
}

// withDefaults returns l with every unset field replaced by its default. It
// is the one place where defaults are applied.
func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultMaxMessageBytes
	}
	return l
}

// check returns an error naming the invalid field of l, if any. Validate
// methods accept any Limits; only the producer side (WithLimits,
// ClientConfig) rejects negative values, which are most likely a mistake.
func (l Limits) check() error {
	if l.MaxMessageBytes < 0 {
		return fmt.Errorf("MaxMessageBytes: must be >= 0, got %d", l.MaxMessageBytes)
	}
	return nil
}
