package agora

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatq/chatq/tasks"
)

// maxBatch is the provider's limit of users per request for registration
// and group membership (https://docs.agora.io/en/agora-chat/restful-api/user-system-registration,
// https://doc.easemob.com/document/server-side/group_manage.html).
const maxBatch = 60

// RegisterResult is the answer of a registration.
type RegisterResult struct {
	Created  []string      // usernames in "entities"
	Existing []ItemFailure // from data[].registerUserFailReason: already registered, not created
}

// ItemFailure is one user an operation did not apply to, with the provider's
// reason.
type ItemFailure struct {
	Username, Reason string
}

// registerResponse is the 200 answer of POST /users. For a batch, "data"
// lists the users that were not created; it is decoded only when it is an
// array.
type registerResponse struct {
	Entities []struct {
		Username string `json:"username"`
	} `json:"entities"`
	Data json.RawMessage `json:"data"`
}

// registerFailure is one element of a batch registration's "data".
type registerFailure struct {
	Username string `json:"username"`
	Reason   string `json:"registerUserFailReason"`
}

// RegisterUsers registers 1..60 users with POST /users: one user as a JSON
// object body, several as an array. Users that already exist do not fail a
// batch (HTTP 200); they are listed in Existing. (A single existing user is a
// 400 duplicate_unique_property_exists *APIError.)
func (c *Client) RegisterUsers(ctx context.Context, tok Token, users []tasks.User) (RegisterResult, error) {
	if len(users) < 1 || len(users) > maxBatch {
		return RegisterResult{}, fmt.Errorf("agora: register users: %d users: must be 1 to %d: %w", len(users), maxBatch, ErrInvalidInput)
	}
	var body any = users
	if len(users) == 1 {
		body = users[0]
	}
	var out registerResponse
	if err := c.do(ctx, request{method: "POST", path: "/users", token: tok, body: body, out: &out}); err != nil {
		return RegisterResult{}, err
	}
	var res RegisterResult
	for _, e := range out.Entities {
		res.Created = append(res.Created, e.Username)
	}
	var failures []registerFailure
	if json.Unmarshal(out.Data, &failures) == nil {
		for _, f := range failures {
			res.Existing = append(res.Existing, ItemFailure{Username: f.Username, Reason: c.itemReason(f.Reason, tok)})
		}
	}
	return res, nil
}
