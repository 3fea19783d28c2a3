package tasks_test

import (
	"context"
	"fmt"

	"github.com/chatq/chatq/tasks"
)

func ExampleClient_CreateChatroom() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.CreateChatroom(context.Background(), tasks.CreateChatroom{
		Name:        "live",
		Description: "Friday stream",
		MaxUsers:    300,
		Owner:       "alice",
		Members:     []string{"bob"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueGroups, id)
	// Output: chatroom:create in queue "groups", asynq MaxRetry 26
}

func ExampleClient_DeleteChatroom() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.DeleteChatroom(context.Background(), tasks.DeleteChatroom{ChatroomID: "262144"})
	fmt.Println("enqueued:", id != "", err)
	// Output: enqueued: true <nil>
}

func ExampleClient_AddChatroomMembers() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.AddChatroomMembers(context.Background(), tasks.AddChatroomMembers{
		ChatroomID: "262144",
		Usernames:  []string{"carol", "dave"},
	})
	fmt.Println("enqueued:", id != "", err)
	// Output: enqueued: true <nil>
}

func ExampleClient_RemoveChatroomMembers() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.RemoveChatroomMembers(context.Background(), tasks.RemoveChatroomMembers{
		ChatroomID: "262144/users",
		Usernames:  []string{"carol"},
	})
	fmt.Printf("id %q\n%v\n", id, err)
	// Output:
	// id ""
	// chatroom:members:remove: field "chatroom_id": must be 1 to 64 characters without '/' or ',' (also percent-encoded)
}
