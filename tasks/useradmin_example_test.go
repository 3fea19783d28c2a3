package tasks_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatq/chatq/tasks"
)

// exampleUserAdmin runs enqueue with a fresh client and says where the task went.
func exampleUserAdmin(enqueue func(ctx context.Context, c *tasks.Client) (string, error)) {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()
	id, err := enqueue(context.Background(), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueUsers, id)
}

func ExampleClient_DeleteUser() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.DeleteUser(ctx, tasks.DeleteUser{Username: "alice"})
	})
	// Output: user:delete in queue "users", asynq MaxRetry 26
}

func ExampleClient_SetUserMetadata() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.SetUserMetadata(ctx, tasks.SetUserMetadata{Username: "alice",
			Metadata: map[string]string{"nickname": "Alice", "avatarurl": "https://example.com/a.png", "gender": "2"}})
	})
	// Output: user:metadata:set in queue "users", asynq MaxRetry 26
}

func ExampleClient_DeactivateUser() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.DeactivateUser(ctx, tasks.DeactivateUser{Username: "alice"})
	})
	// Output: user:deactivate in queue "users", asynq MaxRetry 26
}

func ExampleClient_ActivateUser() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.ActivateUser(ctx, tasks.ActivateUser{Username: "alice"})
	})
	// Output: user:activate in queue "users", asynq MaxRetry 26
}

func ExampleClient_DisconnectUser() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.DisconnectUser(ctx, tasks.DisconnectUser{Username: "alice"})
	})
	// Output: user:disconnect in queue "users", asynq MaxRetry 26
}

// A global mute names only the kinds of chat it changes: here one-to-one
// chats for an hour and groups for ever; chat rooms are left as they are.
func ExampleClient_MuteUser() {
	exampleUserAdmin(func(ctx context.Context, c *tasks.Client) (string, error) {
		return c.MuteUser(ctx, tasks.MuteUser{Username: "alice",
			Chat: tasks.Secs(3600), GroupChat: tasks.Secs(tasks.MuteForever)})
	})
	// Output: user:mute in queue "users", asynq MaxRetry 26
}

func ExampleMuteUser_invalid() {
	err := tasks.MuteUser{Username: "alice", ChatRoom: tasks.Secs(-2)}.Validate(tasks.Limits{})
	var ve *tasks.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(err)
	}
	// Output: user:mute: field "chatroom": must be -1 (for ever), 0 (unmute) or 1 to 2147483647 seconds, got -2
}
