package taskline

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
)

// lineErrors returns the *LineError values joined in err.
func lineErrors(t *testing.T, err error) []*LineError {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	require.True(t, ok, "got %T, want errors joined with errors.Join", err)
	var out []*LineError
	for _, e := range joined.Unwrap() {
		var le *LineError
		require.ErrorAs(t, e, &le)
		out = append(out, le)
	}
	return out
}

func TestRead(t *testing.T) {
	t.Parallel()

	in := strings.Join([]string{
		`# users first`,
		`{"type":"user:register","payload":{"users":[{"username":"alice"}]}}`,
		``,
		"   \t",
		`{"type":"message:send","key":"k1","payload":{"target":"users","to":["alice"],"type":"txt","body":{"msg":"hi"}}}`,
		"\t# indented comment",
		`{"type":"group:delete","payload":{"group_id":"1"}}` + "\r",
	}, "\n")
	lines, err := Read(strings.NewReader(in), tasks.Limits{})
	require.NoError(t, err)
	require.Equal(t, []Line{
		{Type: tasks.TypeRegisterUser, Payload: json.RawMessage(`{"users":[{"username":"alice"}]}`), Number: 2},
		{Type: tasks.TypeSendMessage, Key: "k1", Payload: json.RawMessage(`{"target":"users","to":["alice"],"type":"txt","body":{"msg":"hi"}}`), Number: 5},
		{Type: tasks.TypeDeleteGroup, Payload: json.RawMessage(`{"group_id":"1"}`), Number: 7},
	}, lines)
}

func TestRead_empty(t *testing.T) {
	t.Parallel()

	lines, err := Read(strings.NewReader(""), tasks.Limits{})
	require.NoError(t, err)
	require.Empty(t, lines)
}

func TestRead_badLines(t *testing.T) {
	t.Parallel()

	in := strings.Join([]string{
		`{"type":"group:delete","payload":{"group_id":"1"}}`,                                  // 1 good
		`{"type":"message:send","payload":{"target":"users","to":[],"type":"txt","body":{}}}`, // 2 payload rule
		`not json`, // 3
		`{"type":"group:delete","payload":{"group_id":"1"},"extra":1}`,                                   // 4 unknown line field
		`{"type":"group:nuke","payload":{}}`,                                                             // 5 unknown type
		`{"payload":{"group_id":"1"}}`,                                                                   // 6 missing type
		`{"type":"group:delete"}`,                                                                        // 7 missing payload
		`{"type":"group:delete","payload":{"group_id":"1","x":2}}`,                                       // 8 unknown payload field
		`{"type":"group:delete","payload":{"group_id":"1"}} {}`,                                          // 9 trailing data
		`{"type":"group:delete","payload":{"group_id":"2"}}`,                                             // 10 good
		`{"type":"user:register","ordered":true,"payload":{"users":[{"username":"u1","password":"p"}]}}`, // 11 no conversation
	}, "\n")
	lines, err := Read(strings.NewReader(in), tasks.Limits{})
	require.Len(t, lines, 2, "the good lines are returned too")
	require.Equal(t, json.RawMessage(`{"group_id":"2"}`), lines[1].Payload)

	tests := []struct {
		wantLine  int
		wantError string
	}{
		{2, `line 2: message:send: field "to": must have 1 to 600 entries when target is "users"`},
		{3, `line 3: field "payload": must be valid JSON: invalid character 'o' in literal null (expecting 'u') (offset 2)`},
		{4, `line 4: field "extra": unknown field`},
		{5, `line 5: field "type": unknown task type "group:nuke"; want one of`},
		{6, `line 6: field "type": is required`},
		{7, `line 7: group:delete: field "payload": is required`},
		{8, `line 8: group:delete: field "x": unknown field`},
		{9, `line 9: field "payload": must hold a single JSON value, without trailing data`},
		{11, `line 11: user:register: field "ordered": no conversation is defined for this task type`},
	}
	got := lineErrors(t, err)
	require.Len(t, got, len(tests), "got %v", err)
	for i, tt := range tests {
		require.Equal(t, tt.wantLine, got[i].Line)
		require.Contains(t, got[i].Error(), tt.wantError)
	}
	var ve *tasks.ValidationError
	require.ErrorAs(t, got[0], &ve, "LineError must unwrap to the *tasks.ValidationError")
	require.Equal(t, "to", ve.Field)
}

func TestRead_longLine(t *testing.T) {
	t.Parallel()

	long := `{"type":"group:delete","payload":{"group_id":"1"}}` + strings.Repeat(" ", MaxLineBytes)
	in := strings.Join([]string{long, `{"type":"group:delete","payload":{"group_id":"2"}}`}, "\n")
	lines, err := Read(strings.NewReader(in), tasks.Limits{})
	require.Len(t, lines, 1, "reading goes on after a long line")
	got := lineErrors(t, err)
	require.Len(t, got, 1)
	require.Equal(t, 1, got[0].Line)
	require.EqualError(t, got[0], "line 1: longer than 1048576 bytes")
}

func TestRead_lineAtLimit(t *testing.T) {
	t.Parallel()

	line := `{"type":"group:delete","payload":{"group_id":"1"}}`
	line += strings.Repeat(" ", MaxLineBytes-len(line))
	lines, err := Read(strings.NewReader(line), tasks.Limits{})
	require.NoError(t, err)
	require.Len(t, lines, 1)
}

func TestRead_readError(t *testing.T) {
	t.Parallel()

	boom := errors.New("boom")
	r := iotest.ErrReader(boom)
	_, err := Read(r, tasks.Limits{})
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "reading line 1: boom")
}

func TestLineError(t *testing.T) {
	t.Parallel()

	inner := &tasks.ValidationError{Type: tasks.TypeSendMessage, Field: "to", Rule: "r"}
	err := &LineError{Line: 3, Err: inner}
	require.EqualError(t, err, `line 3: message:send: field "to": r`)
	require.ErrorIs(t, err, inner)
}

func TestRead_deadlinePassed(t *testing.T) {
	t.Parallel()

	in := strings.Join([]string{
		`{"type":"group:delete","payload":{"group_id":"1"}}`,
		`{"type":"group:delete","expires_at":"2020-01-02T15:04:05Z","payload":{"group_id":"2"}}`,
		`{"type":"group:delete","expires_at":"2999-01-02T15:04:05Z","payload":{"group_id":"3"}}`,
	}, "\n")
	lines, err := Read(strings.NewReader(in), tasks.Limits{})
	require.Len(t, lines, 2)
	got := lineErrors(t, err)
	require.Len(t, got, 1)
	require.EqualError(t, got[0], `line 2: group:delete: field "expires_at": must be in the future, got 2020-01-02T15:04:05Z (already passed)`)
}
