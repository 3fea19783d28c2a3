package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/tasks"
)

// exampleRedis is an in-memory Redis for the examples; real code passes
// the address of its Redis to tasks.NewClient.
type exampleRedis struct {
	mr  *miniredis.Miniredis
	opt asynq.RedisClientOpt
}

func startRedis() *exampleRedis {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err) // example scaffolding only
	}
	return &exampleRedis{mr: mr, opt: asynq.RedisClientOpt{Addr: mr.Addr()}}
}

// describe prints where task id landed and its asynq MaxRetry.
func (r *exampleRedis) describe(queue, id string) {
	in := asynq.NewInspector(r.opt)
	defer in.Close()
	info, err := in.GetTaskInfo(queue, id)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s in queue %q, asynq MaxRetry %d\n", info.Type, info.Queue, info.MaxRetry)
}

func ExampleNewSendMessageTask() {
	task, err := tasks.NewSendMessageTask(tasks.SendMessage{
		Target: "users",
		To:     []string{"alice"},
		Type:   "txt",
		Body:   json.RawMessage(`{ "msg": "hello <3" }`),
	}, tasks.MaxRetry(5))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(task.Type())
	fmt.Println(string(task.Payload()))
	// Output:
	// message:send
	// {"target":"users","to":["alice"],"type":"txt","body":{"msg":"hello <3"}}
}

func ExampleNewSendMessageTask_invalid() {
	_, err := tasks.NewSendMessageTask(tasks.SendMessage{Target: "users", Type: "txt", Body: json.RawMessage(`{"msg":"hi"}`)})
	var ve *tasks.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field)
		fmt.Println(err)
	}
	// Output:
	// to
	// message:send: field "to": must have 1 to 600 entries when target is "users"
}

func ExampleClient_SendMessage() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.SendMessage(context.Background(), tasks.SendMessage{
		Target: "chatgroups",
		From:   "alice",
		To:     []string{"184524748161025"},
		Type:   "txt",
		Body:   json.RawMessage(`{"msg":"hello, group"}`),
	}, tasks.MaxRetry(5))
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueMessages, id)
	// Output: message:send in queue "messages", asynq MaxRetry 6
}

func ExampleClient_RegisterUsers() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.RegisterUsers(context.Background(), tasks.RegisterUsers{
		Users: []tasks.User{{Username: "alice"}, {Username: "bob"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueUsers, id)
	// Output: user:register in queue "users", asynq MaxRetry 26
}

func ExampleClient_CreateGroup() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{DefaultMaxRetry: 10})
	defer c.Close()

	public := true
	id, err := c.CreateGroup(context.Background(), tasks.CreateGroup{
		GroupName: "Team",
		Public:    &public,
		Owner:     "alice",
		Members:   []string{"bob", "carol"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe(tasks.QueueGroups, id)
	// Output: group:create in queue "groups", asynq MaxRetry 11
}

func ExampleClient_DeleteGroup() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.DeleteGroup(context.Background(), tasks.DeleteGroup{GroupID: "184524748161025"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("enqueued:", id != "")
	// Output: enqueued: true
}

func ExampleClient_AddGroupMembers() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.AddGroupMembers(context.Background(), tasks.AddGroupMembers{
		GroupID:   "184524748161025",
		Usernames: []string{"dave", "erin"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("enqueued:", id != "")
	// Output: enqueued: true
}

func ExampleClient_RemoveGroupMembers() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.RemoveGroupMembers(context.Background(), tasks.RemoveGroupMembers{
		GroupID:   "184524748161025",
		Usernames: []string{"dave", "dave"},
	})
	fmt.Printf("id %q\n%v\n", id, err)
	// Output:
	// id ""
	// group:members:remove: field "usernames[1]": duplicates usernames[0]
}

func ExampleClient_TransferGroupOwner() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	id, err := c.TransferGroupOwner(context.Background(), tasks.TransferGroupOwner{
		GroupID:  "184524748161025",
		NewOwner: "bob",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("enqueued:", id != "")
	// Output: enqueued: true
}

func ExampleClient_Enqueue() {
	r := startRedis()
	defer r.mr.Close()
	c := tasks.NewClient(r.opt, tasks.ClientConfig{})
	defer c.Close()

	ctx := context.Background()
	id, err := c.Enqueue(ctx, tasks.TypeDeleteGroup, json.RawMessage(`{"group_id":"1"}`), tasks.Queue("low"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r.describe("low", id)

	_, err = c.Enqueue(ctx, tasks.TypeDeleteGroup, json.RawMessage(`{"groupid":"1"}`))
	fmt.Println(err)
	// Output:
	// group:delete in queue "low", asynq MaxRetry 26
	// group:delete: field "groupid": unknown field
}

func ExampleDecode() {
	v, err := tasks.Decode(tasks.TypeTransferGroupOwner, []byte(`{"group_id":"1","new_owner":"bob"}`), tasks.Limits{})
	fmt.Printf("%+v %v\n", v, err)

	_, err = tasks.Decode(tasks.TypeTransferGroupOwner, []byte(`{"group_id":1}`), tasks.Limits{})
	fmt.Println(err)
	// Output:
	// {GroupID:1 NewOwner:bob} <nil>
	// group:owner:transfer: field "group_id": must be a string, got JSON number
}
