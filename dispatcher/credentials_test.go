package dispatcher_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/sandbox"
)

// waitChecked polls Ready (the start check signals nothing else) until it
// no longer reports ErrCredentialsUnchecked, and returns its answer.
func waitChecked(t *testing.T, w *e2etest.Worker) error {
	t.Helper()
	var err error
	e2etest.Eventually(t, "the start check of the credentials", func(c *assert.CollectT) {
		err = w.Ready()
		require.NotErrorIs(c, err, dispatcher.ErrCredentialsUnchecked)
	})
	return err
}

func TestWorker_CheckCredentialsAtStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		secret    string         // the sandbox's client secret; "" = the worker's
		fault     *sandbox.Fault // on the token endpoint
		wantErr   error          // Ready after the check
		wantInLog string
	}{
		{name: "accepted", wantInLog: "credentials checked at start"},
		{name: "wrong secret", secret: "not-the-workers-secret", wantErr: dispatcher.ErrCredentialsRejected,
			wantInLog: "check the client id and secret"},
		{name: "provider down: no verdict, ready", fault: &sandbox.Fault{Endpoint: sandbox.EndpointToken, Status: 503, Times: 1},
			wantInLog: "credentials not checked at start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := e2etest.New(t, func(o *e2etest.Options) {
				o.Worker.CheckCredentials = true
				if tt.secret != "" {
					o.Sandbox.ClientSecret = tt.secret
				}
			})
			if tt.fault != nil {
				f.Sandbox.AddFault(*tt.fault)
			}
			w := f.AddWorker(func(o *e2etest.Options) { o.NoStart = true })
			require.ErrorIs(t, w.Ready(), dispatcher.ErrCredentialsUnchecked, "not ready before the check")
			w.Start()
			err := waitChecked(t, w)
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
			}
			require.Contains(t, f.Logs.String(), tt.wantInLog)
			require.Equal(t, 1, f.Sandbox.Stats().Calls[sandbox.EndpointToken], "one token request, before any task")
		})
	}
}
