package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/internal/e2etest"
	"github.com/chatq/chatq/tasks"
)

// recipeStep is one step of the README's on-call recipe: a chatq command
// (args without "chatq"), or the fix made outside chatq (args nil).
type recipeStep struct {
	text string
	args []string
}

// onCallRecipe reads the numbered steps under "The on-call recipe." in the
// README's "Dead letters" section; a step's command is its first code span
// that starts with "chatq ".
func onCallRecipe(t *testing.T) []recipeStep {
	t.Helper()
	_, rest, ok := strings.Cut(readmeSection(t, "Dead letters"), "**The on-call recipe.**\n\n")
	require.True(t, ok, "README has the on-call recipe")
	list, _, _ := strings.Cut(rest, "\n\n")
	var steps []recipeStep
	for line := range strings.SplitSeq(list, "\n") {
		if strings.HasPrefix(line, "   ") { // continuation of the step above
			continue
		}
		step := recipeStep{text: line}
		for i, span := range strings.Split(line, "`") {
			if i%2 == 1 && strings.HasPrefix(span, "chatq ") {
				step.args = shellWords(strings.TrimPrefix(span, "chatq "))
				break
			}
		}
		steps = append(steps, step)
	}
	return steps
}

// TestREADME_OnCallRecipe runs the README's on-call recipe as written
// against a real worker and the sandbox: users added to a group before they
// existed are dead-lettered as 404-user-not-found; the fix (creating them in
// the sandbox) happens outside chatq; the replay then delivers every one.
func TestREADME_OnCallRecipe(t *testing.T) {
	h := e2etest.NewHarness(t)
	t.Setenv("CHATQ_REDIS_URL", h.DB.URL)
	h.Sandbox.SeedUsers("owner")
	h.Sandbox.SeedGroup("g1", "owner")
	missing := []string{"carol", "dave", "erin"}
	var dead []string
	for _, u := range missing {
		id, err := h.Producer.AddGroupMembers(context.Background(), tasks.AddGroupMembers{GroupID: "g1", Usernames: []string{u}})
		require.NoError(t, err)
		dead = append(dead, id)
	}
	h.WaitOutcome(t, dead, dispatcher.OutcomeDeadLettered)

	steps := onCallRecipe(t)
	require.Len(t, steps, 5)
	outs := make([]string, len(steps))
	for i, step := range steps {
		if step.args == nil { // "Fix the cause: create the missing user, …"
			require.Contains(t, step.text, "create the missing user")
			createUsers(t, h.URL, missing)
			continue
		}
		args := make([]string, len(step.args))
		for j, a := range step.args {
			args[j] = map[string]string{"ID": dead[0], "R": "404-user-not-found"}[a]
			if args[j] == "" {
				args[j] = a
			}
		}
		code, stdout, stderr := run(t, "", args...)
		require.Equal(t, ExitOK, code, "step %d (%s): %s%s", i+1, step.text, stdout, stderr)
		outs[i] = stdout
	}
	require.Regexp(t, `404-user-not-found\s+3`, outs[0], "stats")
	require.Contains(t, outs[1], "username carol doesn't exist", "show")
	require.Regexp(t, `would-replay\s+3\s+404-user-not-found\s+the cause is outside the payload`, outs[3], "dry run")
	require.Regexp(t, `replayed\s+3\s+404-user-not-found`, outs[4], "replay")

	h.Events.WaitFinals(t, 2*len(missing))
	g, ok := h.Sandbox.Group("g1")
	require.True(t, ok)
	require.Subset(t, g.Members, missing, "every replayed member added")
	n, err := h.Store.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "no dead letter left")
}

// createUsers is the operator's fix outside chatq: the users are created
// in the sandbox through its admin API.
func createUsers(t *testing.T, sandboxURL string, names []string) {
	t.Helper()
	body := `{"usernames":["` + strings.Join(names, `","`) + `"]}`
	resp, err := http.Post(sandboxURL+"/_sandbox/users", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}
