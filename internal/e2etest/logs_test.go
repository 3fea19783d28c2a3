package e2etest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppTokenPattern: the log check finds a minted app token, in JSON or
// not, and passes over task ids that start with "007".
func TestAppTokenPattern(t *testing.T) {
	t.Parallel()
	fetch, _, err := AppTokenFetch(AppCertificate)(nil)
	require.NoError(t, err)
	tok, err := fetch(t.Context())
	require.NoError(t, err)
	for _, tc := range []struct {
		name, logs string
		found      bool
	}{
		{"json", `{"token":"` + tok.Value() + `"}`, true},
		{"header", "Authorization: Bearer " + tok.Value(), true},
		{"task id", `{"task_id":"0070505e-5a34-437c-9a2f-145458145b0e"}`, false},
		{"bare id", `{"task_id":"007a"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.found, appToken.MatchString(tc.logs))
		})
	}
}
