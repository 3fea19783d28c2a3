package dispatcher

import (
	"net/http"
	"slices"
	"strings"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// noResultReason is the message of a requested user the provider's 200
// answer does not account for.
const noResultReason = "no result in the provider's response"

// registerItems reports the users of a registration the provider did not
// create, each as the failure the policy decides it by:
//   - "… already exists" (data[].registerUserFailReason): the single-user 400
//     duplicate_unique_property_exists, so done;
//   - "… is not legal": 400 illegal_argument, so dead-lettered;
//   - any other reason, or a user the answer does not mention at all: a 500
//     (nothing says it is permanent), so retried within the budget —
//     registering again is safe, an existing user comes back as done.
func registerItems(users []tasks.User, res agora.RegisterResult, taskType string) []itemFailure {
	accounted := map[string]bool{}
	for _, u := range res.Created {
		accounted[u] = true
	}
	var out []itemFailure
	for _, e := range res.Existing {
		accounted[e.Username] = true
		out = append(out, itemFailure{Item: e.Username, Failure: registerItemFailure(taskType, e.Reason)})
	}
	for _, u := range users {
		if !accounted[u.Username] {
			out = append(out, itemFailure{Item: u.Username,
				Failure: batchItemFailure(taskType, http.StatusInternalServerError, "", noResultReason)})
		}
	}
	return out
}

func registerItemFailure(taskType, reason string) policy.Failure {
	lower := strings.ToLower(reason)
	switch {
	case strings.Contains(lower, "already exists"):
		return batchItemFailure(taskType, http.StatusBadRequest, "duplicate_unique_property_exists", reason)
	case strings.Contains(lower, "not legal"):
		return batchItemFailure(taskType, http.StatusBadRequest, "illegal_argument", reason)
	}
	return batchItemFailure(taskType, http.StatusInternalServerError, "", reason)
}

// notAdded reports the users of a member addition the provider did not list
// in newmembers (agora.CodeNotInNewMembers), decided by the policy's own
// 200 row: the answer does not say whether they are members, so they are
// never taken as done on its word. Their retry is a new task; one user
// alone goes through the single-user add, whose 403 "already in group"
// confirms the goal state, several go through the batch call again.
func notAdded(groupID string, usernames []string, res agora.AddMembersResult, taskType string) []itemFailure {
	var out []itemFailure
	for _, u := range usernames {
		if !slices.ContainsFunc(res.Added, func(a string) bool { return strings.EqualFold(a, u) }) {
			out = append(out, itemFailure{Item: u, Failure: batchItemFailure(taskType, http.StatusOK, agora.CodeNotInNewMembers,
				"user "+u+" is not in data.newmembers of group "+groupID)})
		}
	}
	return out
}
