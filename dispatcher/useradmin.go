package dispatcher

import (
	"context"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/tasks"
)

// userAdminCall is callFor for the user-management types (issue #12), kept
// apart so callFor's switch stays one screen; nil for any other payload.
// None is a batch: each names one user.
func userAdminCall(api *agora.Client, p tasks.Payload) call {
	var do func(ctx context.Context, tok agora.Token) error
	switch p := p.(type) {
	case tasks.DeleteUser:
		do = func(ctx context.Context, tok agora.Token) error { return api.DeleteUser(ctx, tok, p.Username) }
	case tasks.SetUserMetadata:
		do = func(ctx context.Context, tok agora.Token) error {
			return api.SetUserMetadata(ctx, tok, p.Username, p.Metadata)
		}
	case tasks.DeactivateUser:
		do = func(ctx context.Context, tok agora.Token) error { return api.DeactivateUser(ctx, tok, p.Username) }
	case tasks.ActivateUser:
		do = func(ctx context.Context, tok agora.Token) error { return api.ActivateUser(ctx, tok, p.Username) }
	case tasks.DisconnectUser:
		do = func(ctx context.Context, tok agora.Token) error { return api.DisconnectUser(ctx, tok, p.Username) }
	case tasks.MuteUser:
		do = func(ctx context.Context, tok agora.Token) error { return api.MuteUser(ctx, tok, p) }
	default:
		return nil
	}
	return func(ctx context.Context, tok agora.Token) ([]itemFailure, error) { return nil, do(ctx, tok) }
}
