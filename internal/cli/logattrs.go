package cli

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
)

// logAttrs is the ReplaceAttr of chatq's log handlers (newLogger). It makes
// two values readable where slog's defaults are not:
//
//   - In JSON, a duration becomes a Go duration string ("1.5s", "10m0s")
//     instead of slog's integer nanoseconds: the unit travels with the
//     value, the text is the same as in text logs and in the CHATQ_*
//     settings, and time.ParseDuration reads it back.
//   - In text, a map becomes "key:value" pairs sorted by key and joined by
//     commas ("groups:2,messages:6,users:2", the CHATQ_QUEUES syntax)
//     instead of fmt's quoted "map[groups:2 messages:6 users:2]". JSON logs
//     keep maps as objects.
func logAttrs(jsonFormat bool) func(groups []string, a slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		switch v := a.Value; {
		case jsonFormat && v.Kind() == slog.KindDuration:
			return slog.String(a.Key, v.Duration().String())
		case !jsonFormat && v.Kind() == slog.KindAny:
			if s, ok := mapText(v.Any()); ok {
				return slog.String(a.Key, s)
			}
		}
		return a
	}
}

// mapText renders a map as sorted "key:value" pairs; ok is false for any
// other value.
func mapText(v any) (string, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return "", false
	}
	pairs := make([]string, 0, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		pairs = append(pairs, fmt.Sprintf("%v:%v", it.Key(), it.Value()))
	}
	slices.Sort(pairs)
	return strings.Join(pairs, ","), true
}
