package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chatq/chatq/sandbox"
	"github.com/chatq/chatq/tasks"
)

// The demo's group and users exist before the workload runs.
const demoGroup = "100000000000001"

func seed(sb *sandbox.Server) {
	sb.SeedUsers("dave", "erin", "frank", "grace")
	sb.SeedGroup(demoGroup, "dave", "erin")
}

// workload enqueues tasks chosen so that every action happens.
type workload struct {
	sb       *sandbox.Server
	tally    *tally
	producer *tasks.Client
	redis    *Redis
	ids      []string
}

func txt(to, text string) tasks.SendMessage {
	b, _ := json.Marshal(map[string]string{"msg": text})
	return tasks.SendMessage{Target: "users", To: []string{to}, Type: "txt", Body: b}
}

func (wl *workload) run(ctx context.Context, out io.Writer) error {
	// Faults answer only the calls whose body carries their marker.
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-503", Times: 2, Status: 503})
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-429", Times: 2, Status: 429, Code: "reach_limit", Message: "This request has reached api limit."})
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-too-many", Times: 1, Status: 400, Message: "too many queries"})
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-500", Status: 500, Code: "web_application", Message: "javax.ws.rs.WebApplicationException"})
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-drop", Times: 1, Drop: true})
	wl.sb.AddFault(sandbox.Fault{Endpoint: "send_message", Match: "demo-expires", Status: 429, Code: "reach_limit", Message: "This request has reached api limit."})

	steps := []struct {
		what string
		fn   func() (string, error)
	}{}
	add := func(what string, fn func() (string, error)) {
		steps = append(steps, struct {
			what string
			fn   func() (string, error)
		}{what, fn})
	}
	for i := range 10 {
		add("message delivered", func() (string, error) {
			return wl.producer.SendMessage(ctx, txt("erin", fmt.Sprintf("hello %d", i)))
		})
	}
	add("register new users", func() (string, error) {
		return wl.producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "alice"}, {Username: "bob"}}})
	})
	add("register existing user: done", func() (string, error) {
		return wl.producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "dave"}}})
	})
	add("batch with an existing user", func() (string, error) {
		return wl.producer.RegisterUsers(ctx, tasks.RegisterUsers{Users: []tasks.User{{Username: "dave"}, {Username: "heidi"}}})
	})
	add("create group", func() (string, error) {
		return wl.producer.CreateGroup(ctx, tasks.CreateGroup{GroupName: "demo", Owner: "dave", Members: []string{"frank"}})
	})
	add("add existing member: done", func() (string, error) {
		return wl.producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: demoGroup, Usernames: []string{"erin"}})
	})
	add("remove non-member: done", func() (string, error) {
		return wl.producer.RemoveGroupMembers(ctx, tasks.RemoveGroupMembers{GroupID: demoGroup, Usernames: []string{"frank"}})
	})
	add("delete missing group: done", func() (string, error) {
		return wl.producer.DeleteGroup(ctx, tasks.DeleteGroup{GroupID: "999999999999999"})
	})
	add("transfer to same owner: done", func() (string, error) {
		return wl.producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: demoGroup, NewOwner: "dave"})
	})
	add("transfer to non-member: dead letter", func() (string, error) {
		return wl.producer.TransferGroupOwner(ctx, tasks.TransferGroupOwner{GroupID: demoGroup, NewOwner: "grace"})
	})
	add("add unknown user: dead letter", func() (string, error) {
		return wl.producer.AddGroupMembers(ctx, tasks.AddGroupMembers{GroupID: demoGroup, Usernames: []string{"nobody"}})
	})
	for _, marker := range []string{"demo-503", "demo-429", "demo-too-many", "demo-500", "demo-drop"} {
		add("message with fault "+marker, func() (string, error) {
			return wl.producer.SendMessage(ctx, txt("erin", marker))
		})
	}
	add("message too large for the provider: dead letter", func() (string, error) {
		return wl.producer.SendMessage(ctx, txt("erin", strings.Repeat("x", 10*1024)))
	})
	add("garbage from a foreign producer: dead letter", wl.enqueueGarbage)
	add("message that expires while rate-limited: dead letter", func() (string, error) {
		return wl.producer.SendMessage(ctx, txt("erin", "demo-expires: your code is 123456"), tasks.TTL(time.Second))
	})
	add("keyed message", func() (string, error) { return wl.keyed(ctx, out) })

	fmt.Fprintf(out, "enqueueing %d tasks; 5 more once the token has expired mid-run\n", len(steps))
	for _, s := range steps {
		id, err := s.fn()
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", s.what, err)
		}
		wl.ids = append(wl.ids, id)
	}
	if err := wl.wait(ctx, out, len(wl.ids)/2); err != nil {
		return err
	}
	// Expire every token mid-run: the next calls meet a 401, the worker
	// refreshes once and carries on.
	wl.sb.ExpireTokens()
	for i := range 5 {
		id, err := wl.producer.SendMessage(ctx, txt("erin", fmt.Sprintf("after token expiry %d", i)))
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		wl.ids = append(wl.ids, id)
	}
	return wl.wait(ctx, out, len(wl.ids))
}

// keyed enqueues one message twice under the same idempotency key: the
// second call returns the first task id and enqueues nothing.
func (wl *workload) keyed(ctx context.Context, out io.Writer) (string, error) {
	msg := txt("erin", "welcome, erin")
	first, err := wl.producer.SendMessage(ctx, msg, tasks.Key("welcome-erin"))
	if err != nil {
		return "", err
	}
	second, err := wl.producer.SendMessage(ctx, msg, tasks.Key("welcome-erin"))
	if err != nil {
		return "", err
	}
	if first != second {
		return "", fmt.Errorf("idempotency key: second enqueue returned task %s, want %s", second, first)
	}
	fmt.Fprintf(out, "idempotency key welcome-erin enqueued twice: one task, %s\n", first)
	return first, nil
}

// enqueueGarbage puts a payload that is not JSON straight into Redis, as a
// foreign producer could.
func (wl *workload) enqueueGarbage() (string, error) {
	c := asynq.NewClient(wl.redis.Conn)
	defer c.Close()
	info, err := c.Enqueue(asynq.NewTask(tasks.TypeSendMessage, []byte("{not json")), asynq.Queue(tasks.QueueMessages), asynq.MaxRetry(3))
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// wait prints progress until at least n of the tasks have settled.
func (wl *workload) wait(ctx context.Context, out io.Writer, n int) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for wl.tally.settled(wl.ids) < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("demo did not settle: %s: %w", wl.tally.progressLine(wl.ids), ctx.Err())
		case <-tick.C:
			fmt.Fprintln(out, wl.tally.progressLine(wl.ids))
		case <-wl.tally.changed:
		}
	}
	fmt.Fprintln(out, wl.tally.progressLine(wl.ids))
	return nil
}
