package tasks

import "context"

// DeleteUser validates p and enqueues a TypeDeleteUser task. It returns the
// asynq task id.
func (c *Client) DeleteUser(ctx context.Context, p DeleteUser, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// SetUserMetadata validates p and enqueues a TypeSetUserMetadata task. It
// returns the asynq task id.
func (c *Client) SetUserMetadata(ctx context.Context, p SetUserMetadata, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// DeactivateUser validates p and enqueues a TypeDeactivateUser task. It
// returns the asynq task id.
func (c *Client) DeactivateUser(ctx context.Context, p DeactivateUser, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// ActivateUser validates p and enqueues a TypeActivateUser task. It returns
// the asynq task id.
func (c *Client) ActivateUser(ctx context.Context, p ActivateUser, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// DisconnectUser validates p and enqueues a TypeDisconnectUser task. It
// returns the asynq task id.
func (c *Client) DisconnectUser(ctx context.Context, p DisconnectUser, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// MuteUser validates p and enqueues a TypeMuteUser task. It returns the
// asynq task id.
func (c *Client) MuteUser(ctx context.Context, p MuteUser, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}
