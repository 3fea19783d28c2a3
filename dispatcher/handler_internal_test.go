package dispatcher

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/tasks"
	"github.com/chatq/chatq/throttle"
)

// samplePayloads loads testdata/payloads.json: one valid payload per task
// type.
func samplePayloads(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/payloads.json")
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func newTestWorker(t *testing.T) *Worker {
	t.Helper()
	return &Worker{cfg: Config{}.withDefaults()}
}

// TestCallFor_everyType: a type registered in tasks without its call here
// would be dead-lettered at run time; this catches it first.
func TestCallFor_everyType(t *testing.T) {
	t.Parallel()
	samples := samplePayloads(t)
	w := newTestWorker(t)
	for _, typ := range tasks.Types() {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			payload, ok := samples[typ]
			require.True(t, ok, "testdata/payloads.json has no %s payload", typ)
			j, err := w.prepare(run{typ: typ, payload: payload})
			require.NoError(t, err)
			require.NotNil(t, j.call)
			require.NotEmpty(t, j.family)
		})
	}
}

func TestWorker_prepare(t *testing.T) {
	t.Parallel()
	samples := samplePayloads(t)
	w := newTestWorker(t)
	tests := []struct {
		name       string
		typ        string
		payload    []byte
		wantFamily throttle.Family
		wantSize   int
		wantErr    string
	}{
		{name: "message by target", typ: tasks.TypeSendMessage, payload: samples[tasks.TypeSendMessage],
			wantFamily: throttle.FamilyFor(tasks.TypeSendMessage, "chatgroups")},
		{name: "batch of users", typ: tasks.TypeRegisterUser, payload: samples[tasks.TypeRegisterUser],
			wantFamily: throttle.FamilyFor(tasks.TypeRegisterUser, ""), wantSize: 2},
		{name: "batch of members", typ: tasks.TypeAddGroupMembers, payload: samples[tasks.TypeAddGroupMembers],
			wantFamily: throttle.FamilyFor(tasks.TypeAddGroupMembers, ""), wantSize: 2},
		{name: "not a batch", typ: tasks.TypeDeleteGroup, payload: samples[tasks.TypeDeleteGroup],
			wantFamily: throttle.FamilyFor(tasks.TypeDeleteGroup, "")},
		{name: "invalid", typ: tasks.TypeDeleteGroup, payload: []byte(`{"group_id":""}`), wantErr: `field "group_id"`},
		{name: "unknown type", typ: "group:nuke", payload: []byte(`{}`), wantErr: `unknown task type "group:nuke"`},
		{name: "over the cap", typ: tasks.TypeDeleteGroup,
			payload: []byte(`{"group_id":"` + strings.Repeat("x", w.cfg.MaxPayloadBytes) + `"}`), wantErr: "not decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j, err := w.prepare(run{typ: tt.typ, payload: tt.payload})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantFamily, j.family)
			require.Equal(t, tt.wantSize, j.size())
		})
	}
}

// TestJob_subset: the split-off payloads are cut from the one decoded
// payload, which stays whole for the next cut.
func TestJob_subset(t *testing.T) {
	t.Parallel()
	w := newTestWorker(t)
	j, err := w.prepare(run{typ: tasks.TypeAddGroupMembers, payload: samplePayloads(t)[tasks.TypeAddGroupMembers]})
	require.NoError(t, err)
	for _, names := range [][]string{{"carol"}, {"bob"}, {"bob", "carol"}} {
		p, err := j.subset(names)
		require.NoError(t, err)
		require.Equal(t, names, p.Items())
		require.Equal(t, 2, j.size(), "the job's own payload is left alone")
	}
	_, err = job{}.subset([]string{"x"})
	require.ErrorContains(t, err, "not a batch task")
}
