package demo_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/internal/demo"
	"github.com/chatq/chatq/internal/redistest"
)

// TestOpenRedis_ClaimsOnlyItsOwnDatabase: the demo (and chatq bench)
// empties a database only when it is empty or the demo's own.
func TestOpenRedis_ClaimsOnlyItsOwnDatabase(t *testing.T) {
	t.Parallel()
	db := redistest.Private(t) // the demo flushes its database
	ctx := t.Context()
	require.NoError(t, db.Client.Set(ctx, "someone-elses", "data", 0).Err())
	var out bytes.Buffer
	_, err := demo.OpenRedis(ctx, &out, db.URL, true)
	require.ErrorContains(t, err, "keys that are not the demo's; refusing to touch it")
	require.Equal(t, int64(1), db.Client.Exists(ctx, "someone-elses").Val(), "the foreign key is kept")

	require.NoError(t, db.Client.Del(ctx, "someone-elses").Err())
	r, err := demo.OpenRedis(ctx, &out, db.URL, true)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	require.NoError(t, r.RDB.Set(ctx, "demo-data", "x", 0).Err())
	require.NoError(t, r.Claim(ctx), "a database with the demo's marker is the demo's")
	require.Zero(t, db.Client.Exists(ctx, "demo-data").Val(), "the demo's earlier data is emptied")
}

func TestOpenRedis_BadURLIsNotEchoed(t *testing.T) {
	t.Parallel()
	_, err := demo.OpenRedis(t.Context(), &bytes.Buffer{}, "mysql://user:hunter2@host/1", true)
	require.ErrorIs(t, err, demo.ErrBadURL)
	require.NotContains(t, err.Error(), "hunter2")
}
