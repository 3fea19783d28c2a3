package tasks

import "context"

// CreateChatroom validates p and enqueues a TypeCreateChatroom task. It
// returns the asynq task id; the room's id is the task's result once it is
// delivered.
func (c *Client) CreateChatroom(ctx context.Context, p CreateChatroom, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// DeleteChatroom validates p and enqueues a TypeDeleteChatroom task. It
// returns the asynq task id.
func (c *Client) DeleteChatroom(ctx context.Context, p DeleteChatroom, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// AddChatroomMembers validates p and enqueues a TypeAddChatroomMembers task.
// It returns the asynq task id.
func (c *Client) AddChatroomMembers(ctx context.Context, p AddChatroomMembers, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}

// RemoveChatroomMembers validates p and enqueues a TypeRemoveChatroomMembers
// task. It returns the asynq task id.
func (c *Client) RemoveChatroomMembers(ctx context.Context, p RemoveChatroomMembers, opts ...Option) (string, error) {
	return c.enqueue(ctx, p, opts)
}
