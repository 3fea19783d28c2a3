package tasks

import "fmt"

// DefaultMaxMessageBytes is the default limit on the size of a message's body
// plus ext, in compacted JSON bytes: the 5 KB of the current Agora and
// Easemob documentation (issue #12). The 40 KB of the older status-code page
// is no longer what either provider enforces.
const DefaultMaxMessageBytes = 5120

// Limits are the validation limits that vary between providers and plans.
// The zero value means the defaults.
type Limits struct {
	// MaxMessageBytes is the largest len(body)+len(ext) of a message, in
	// compacted JSON bytes. Zero (or a negative value) means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int
	// RequirePassword makes password required for every user of a
	// user:register task: Easemob answers 400 "password or pin must
	// provided" without one, while Agora dropped the field in July 2024.
	RequirePassword bool
	// RejectGroupID refuses a custom groupid on group:create: the agora
	// dialect documents none, and answers an unknown field with 400
	// "Some of [groupid] are not valid fields".
	RejectGroupID bool
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
