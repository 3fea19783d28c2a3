package sandbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// faultKeys sets one Fault field from its spec value.
var faultKeys = map[string]func(f *Fault, v string) error{
	"endpoint":     func(f *Fault, v string) error { f.Endpoint = v; return nil },
	"match":        func(f *Fault, v string) error { f.Match = v; return nil },
	"code":         func(f *Fault, v string) error { f.Code = v; return nil },
	"message":      func(f *Fault, v string) error { f.Message = v; return nil },
	"exception":    func(f *Fault, v string) error { f.Exception = v; return nil },
	"content_type": func(f *Fault, v string) error { f.ContentType = v; return nil },
	"retry_after":  func(f *Fault, v string) error { f.RetryAfter = v; return nil },
	"raw_body":     func(f *Fault, v string) error { f.RawBody = &v; return nil },
	"times":        func(f *Fault, v string) error { return parseInt(v, &f.Times) },
	"status":       func(f *Fault, v string) error { return parseInt(v, &f.Status) },
	"error_code":   func(f *Fault, v string) error { return parseInt(v, &f.ErrorCode) },
	"drop_after": func(f *Fault, v string) error {
		b, err := strconv.ParseBool(v)
		f.DropAfter = b
		return err
	},
	"refuse": func(f *Fault, v string) error {
		b, err := strconv.ParseBool(v)
		f.Refuse = b
		return err
	},
	"probability": func(f *Fault, v string) error {
		p, err := strconv.ParseFloat(v, 64)
		f.Probability = p
		return err
	},
	"delay": func(f *Fault, v string) error {
		d, err := time.ParseDuration(v)
		f.Delay = Duration(d)
		return err
	},
	"drop": func(f *Fault, v string) error {
		b, err := strconv.ParseBool(v)
		f.Drop = b
		return err
	},
}

func parseInt(v string, dst *int) error {
	n, err := strconv.Atoi(v)
	*dst = n
	return err
}

// ParseFault parses a fault spec: comma-separated key=value pairs, e.g.
// "endpoint=send_message,status=503,times=3,retry_after=2". A part that does
// not start with a key (lower-case letters and "_") and "=" continues the
// previous value, so messages and raw bodies may contain commas. Errors
// name the offending key. The result is validated with Fault.Validate.
func ParseFault(spec string) (Fault, error) {
	pairs, err := splitSpec(spec)
	if err != nil {
		return Fault{}, err
	}
	var f Fault
	for _, kv := range pairs {
		set, ok := faultKeys[kv[0]]
		if !ok {
			return Fault{}, fmt.Errorf("sandbox: fault spec: unknown key %q", kv[0])
		}
		if err := set(&f, kv[1]); err != nil {
			return Fault{}, fmt.Errorf("sandbox: fault spec: %s: invalid value %q: %w", kv[0], kv[1], err)
		}
	}
	if err := f.Validate(); err != nil {
		return Fault{}, fmt.Errorf("sandbox: fault spec: %w", err)
	}
	return f, nil
}

// splitSpec splits a spec into [key, value] pairs.
func splitSpec(spec string) ([][2]string, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("sandbox: fault spec: empty")
	}
	var pairs [][2]string
	for part := range strings.SplitSeq(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		switch {
		case ok && isKeyWord(strings.TrimSpace(k)):
			pairs = append(pairs, [2]string{strings.TrimSpace(k), v})
		case len(pairs) == 0:
			return nil, fmt.Errorf("sandbox: fault spec: %q does not start with key=", part)
		default:
			pairs[len(pairs)-1][1] += "," + part
		}
	}
	return pairs, nil
}

// isKeyWord reports whether k looks like a spec key (lower-case letters and
// underscores), so that "=" inside values such as HTML does not start a pair.
func isKeyWord(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}
