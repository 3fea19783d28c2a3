package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatq/chatq/tasks"
)

func ExampleClient_RecallMessage() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	sentAt := time.Now().Add(-30 * time.Second) // the recall window runs from here
	id, err := c.RecallMessage(context.Background(), tasks.RecallMessage{
		MsgID: "1028442084794698104", To: "bob", ChatType: tasks.ChatTypeChat, From: "alice", SentAt: &sentAt,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueMessages, id)
	// Output: message:recall in queue "messages", asynq MaxRetry 26
}

func ExampleClient_UpdateGroup() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	name, maxUsers := "Team 2", 500
	id, err := c.UpdateGroup(context.Background(), tasks.UpdateGroup{GroupID: "184524748161025", GroupName: &name, MaxUsers: &maxUsers})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueGroups, id)
	// Output: group:update in queue "groups", asynq MaxRetry 26
}

func ExampleClient_RestCall() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.RestCall(context.Background(), tasks.RestCall{
		Method: "PUT", Path: "chatgroups/184524748161025/announcement",
		JSON: json.RawMessage(`{"announcement":"welcome"}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueRest, id)

	_, err = c.RestCall(context.Background(), tasks.RestCall{Method: "DELETE", Path: "../other-app/users/alice"})
	fmt.Println(err)
	// Output:
	// rest:call in queue "rest", asynq MaxRetry 26
	// rest:call: field "path": segment 1: must not be "." or ".." (a dot segment: once normalised it names another resource), nor empty between commas
}
