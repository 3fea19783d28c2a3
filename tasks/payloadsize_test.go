package tasks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLargestPayload_boundsTheLargestValidPayloads builds the largest valid
// payloads of the two largest types and checks that LargestPayload bounds
// them closely, and that the default cap is well above it.
func TestLargestPayload_boundsTheLargestValidPayloads(t *testing.T) {
	t.Parallel()

	name := func(i int) string { return fmt.Sprintf("%064d", i) }
	ctl := func(n int) string { return strings.Repeat("\x01", n) } // encoded as \u0001: 6 bytes each
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = name(i + 1)
		}
		return out
	}
	yes := true
	group := CreateGroup{GroupName: ctl(maxGroupName), Description: ctl(maxDescription), Public: &yes,
		MaxUsers: maxGroupMembers + 1, AllowInvites: &yes, MembersOnly: &yes, InviteNeedConfirm: &yes,
		Owner: name(0), Members: names(maxGroupMembers), Avatar: ctl(maxAvatar), Custom: ctl(maxCustom)}
	requireBound(t, group, Limits{}, largestGroup())

	for _, l := range []Limits{{}, {MaxMessageBytes: 5120}, {MaxMessageBytes: 900_000}} {
		l = l.withDefaults()
		half := l.MaxMessageBytes / 2 // body and ext together exactly MaxMessageBytes
		body, _ := json.Marshal(map[string]string{"msg": strings.Repeat("m", half-len(`{"msg":""}`))})
		ext, _ := json.Marshal(map[string]string{"k": strings.Repeat("e", l.MaxMessageBytes-half-len(`{"k":""}`))})
		msg := SendMessage{Target: targetUsers, From: name(0), To: names(maxRecipients[targetUsers]), Type: "txt",
			Body: body, Ext: ext, SyncDevice: &yes, RouteType: "ROUTE_ONLINE"}
		requireBound(t, msg, l, largestMessage(l))
		require.GreaterOrEqual(t, LargestPayload(l), largestMessage(l))
		require.GreaterOrEqual(t, LargestPayload(l), largestGroup())
	}
	require.Equal(t, 260_648, LargestPayload(Limits{}))
	require.Equal(t, 81_672, largestMessage(Limits{}))
	require.GreaterOrEqual(t, DefaultMaxPayloadBytes, 4*LargestPayload(Limits{}), "the default cap is well above")
	require.GreaterOrEqual(t, DefaultMaxPayloadBytes, LargestPayload(Limits{MaxMessageBytes: 1_000_000}))
}

// requireBound checks that p is valid under l and that its encoding is at
// most bound bytes, and at least 98% of it (the bound is not loose).
func requireBound(t *testing.T, p Payload, l Limits, bound int) {
	t.Helper()
	require.NoError(t, p.Validate(l), "%T is valid", p)
	b, err := marshal(p)
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), bound, "%T with MaxMessageBytes %d", p, l.MaxMessageBytes)
	require.GreaterOrEqual(t, len(b), bound*98/100, "%T: %d bytes, bound %d", p, len(b), bound)
}
