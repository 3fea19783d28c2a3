package sandbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/sandbox"
)

func TestParseFault(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		spec string
		want sandbox.Fault
	}{
		{
			name: "every key",
			spec: "endpoint=send_message,match=user42,times=3,probability=0.1,status=503,code=busy,message=try later," +
				"exception=a.B,retry_after=2,delay=1500ms,drop=true,content_type=text/plain,raw_body=x",
			want: sandbox.Fault{Endpoint: "send_message", Match: "user42", Times: 3, Probability: 0.1, Status: 503,
				Code: "busy", Message: "try later", Exception: "a.B", RetryAfter: "2",
				Delay: sandbox.Duration(1500 * time.Millisecond), Drop: true, ContentType: "text/plain", RawBody: ptr("x")},
		},
		{
			name: "message with commas",
			spec: "status=403,code=forbidden_op,message=Can not join this group, reason:user: u has joined too many groups/chatroom!",
			want: sandbox.Fault{Status: 403, Code: "forbidden_op",
				Message: "Can not join this group, reason:user: u has joined too many groups/chatroom!"},
		},
		{
			name: "raw body with commas and equals",
			spec: `status=502,raw_body=<html lang="en">a, b</html>`,
			want: sandbox.Fault{Status: 502, RawBody: ptr(`<html lang="en">a, b</html>`)},
		},
		{
			name: "empty raw body",
			spec: "raw_body=",
			want: sandbox.Fault{RawBody: ptr("")},
		},
		{
			name: "answers that say no, a lost answer, easemob's error_code",
			spec: "endpoint=delete_group,refuse=true,drop_after=true,error_code=14007",
			want: sandbox.Fault{Endpoint: "delete_group", Refuse: true, DropAfter: true, ErrorCode: 14007},
		},
		{
			name: "delay only",
			spec: "endpoint=token, delay=2s",
			want: sandbox.Fault{Endpoint: "token", Delay: sandbox.Duration(2 * time.Second)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sandbox.ParseFault(tc.spec)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseFault_Errors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		spec    string
		wantErr string
	}{
		{"empty", " ", "sandbox: fault spec: empty"},
		{"no key", "503", `sandbox: fault spec: "503" does not start with key=`},
		{"unknown key", "status=503,stauts=1", `sandbox: fault spec: unknown key "stauts"`},
		{"bad status", "status=abc", `sandbox: fault spec: status: invalid value "abc"`},
		{"status out of range", "status=700", "sandbox: fault spec: status: must be an HTTP status (100-599), got 700"},
		{"bad times", "status=500,times=x", `sandbox: fault spec: times: invalid value "x"`},
		{"negative times", "status=500,times=-1", "sandbox: fault spec: times: must be >= 0, got -1"},
		{"bad probability", "status=500,probability=half", `sandbox: fault spec: probability: invalid value "half"`},
		{"probability over 1", "status=500,probability=1.5", "sandbox: fault spec: probability: must be in [0, 1], got 1.5"},
		{"bad delay", "delay=soon", `sandbox: fault spec: delay: invalid value "soon"`},
		{"negative delay", "delay=-1s", "sandbox: fault spec: delay: must be >= 0, got -1s"},
		{"bad drop", "drop=perhaps", `sandbox: fault spec: drop: invalid value "perhaps"`},
		{"unknown endpoint", "endpoint=send,status=500", `sandbox: fault spec: endpoint: unknown endpoint "send"`},
		{"does nothing", "endpoint=token,times=2", "sandbox: fault spec: fault does nothing: set status, raw_body, drop, delay, item_reasons, refuse or drop_after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := sandbox.ParseFault(tc.spec)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestDuration_JSON(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		in      string
		want    sandbox.Duration
		wantErr bool
	}{
		{name: "string", in: `"1.5s"`, want: sandbox.Duration(1500 * time.Millisecond)},
		{name: "nanoseconds", in: `2000000`, want: sandbox.Duration(2 * time.Millisecond)},
		{name: "bad string", in: `"soon"`, wantErr: true},
		{name: "bool", in: `true`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got sandbox.Duration
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	b, err := json.Marshal(sandbox.Fault{Status: 503, Delay: sandbox.Duration(1500 * time.Millisecond)})
	require.NoError(t, err)
	require.JSONEq(t, `{"status":503,"delay":"1.5s"}`, string(b))
}
