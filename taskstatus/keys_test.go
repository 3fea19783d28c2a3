package taskstatus

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseMarker(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1764777600123)
	cases := []struct {
		name, value string
		want        Marker
	}{
		{name: "with outcome", value: Marker{Digest: "abc", Outcome: OutcomeDone, At: at}.String(),
			want: Marker{Digest: "abc", Outcome: OutcomeDone, At: at}},
		{name: "with a result", value: Marker{Digest: "abc", Outcome: OutcomeDelivered, At: at, Result: `{"id":"262144"}`}.String(),
			want: Marker{Digest: "abc", Outcome: OutcomeDelivered, At: at, Result: `{"id":"262144"}`}},
		{name: "digest alone, before issue #14", value: "abc", want: Marker{Digest: "abc"}},
		{name: "empty", value: "", want: Marker{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, ParseMarker(tc.value))
		})
	}
}

func TestDecision_Fields(t *testing.T) {
	t.Parallel()
	d := Decision{Action: "defer", Rule: "429-reach-limit", Reason: "rate limited", Status: 429, Code: "reach_limit",
		At: time.UnixMilli(1764777600123).UTC()}
	f := d.Fields()
	h := map[string]string{}
	for i := 0; i < len(f); i += 2 {
		h[f[i].(string)] = toString(f[i+1])
	}
	require.Equal(t, &d, decisionOf(h))
	require.Nil(t, decisionOf(map[string]string{"deferrals": "1"}), "a state without a decision")
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}
