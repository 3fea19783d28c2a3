package policy

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestAction_Text(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action   Action
		wantText string
	}{
		{ActionDone, "done"},
		{ActionRetry, "retry"},
		{ActionDefer, "defer"},
		{ActionRefresh, "refresh"},
		{ActionDeadLetter, "dead-letter"},
		{ActionCredentials, "credentials"},
	}
	require.Len(t, tests, len(allActions), "a case per action")
	for _, tc := range tests {
		t.Run(tc.wantText, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.wantText, tc.action.String())
			text, err := tc.action.MarshalText()
			require.NoError(t, err)
			require.Equal(t, tc.wantText, string(text))

			var got Action
			require.NoError(t, got.UnmarshalText([]byte(" "+tc.wantText+" ")))
			require.Equal(t, tc.action, got)
			parsed, err := ParseAction(tc.wantText)
			require.NoError(t, err)
			require.Equal(t, tc.action, parsed)
		})
	}
}

func TestAction_Invalid(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Action(0)", Action(0).String())
	require.Equal(t, "Action(42)", Action(42).String())
	_, err := Action(0).MarshalText()
	require.EqualError(t, err, "invalid action 0")
	var a Action
	require.EqualError(t, a.UnmarshalText([]byte("explode")),
		`action: unknown action "explode" (want done, retry, defer, refresh, dead-letter, credentials)`)
}

func TestAction_Encodings(t *testing.T) {
	t.Parallel()
	r := Rule{Name: "x", Status: "500", Action: ActionDeadLetter, Reason: "r"}
	j, err := json.Marshal(r)
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"x","status":"500","action":"dead-letter","reason":"r"}`, string(j))
	y, err := yaml.Marshal(r)
	require.NoError(t, err)
	require.Contains(t, string(y), "action: dead-letter\n")
	var back Rule
	require.NoError(t, yaml.Unmarshal(y, &back))
	require.Equal(t, r, back)
}
