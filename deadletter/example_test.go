package deadletter_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

// exampleStore returns a store on an in-process Redis holding two dead
// letters: one after a provider outage, one for a user who did not exist.
func exampleStore() (*deadletter.Store, asynq.RedisClientOpt, func()) {
	mr, err := miniredis.Run()
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	store := deadletter.New(rdb, deadletter.Config{})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, r := range []deadletter.Record{
		{TaskID: "t1", Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages, Status: 503, Rule: "503",
			Action: "retry", Reason: "retries exhausted (25 of 25): service unavailable"},
		{TaskID: "t2", Type: tasks.TypeSendMessage, Queue: tasks.QueueMessages, Status: 404, Code: "resource_not_found",
			Description: "username bob doesn't exist", Rule: "404-user-not-found", Action: "dead-letter", Reason: "user does not exist"},
	} {
		r.FirstFailure, r.LastFailure = at, at.Add(time.Duration(i)*time.Second)
		r.SetPayload([]byte(`{"target":"users","from":"admin","to":["bob"],"type":"txt","body":{"msg":"hi"}}`))
		if err := store.Put(context.Background(), r); err != nil {
			log.Fatal(err)
		}
	}
	return store, asynq.RedisClientOpt{Addr: mr.Addr()}, func() { _ = rdb.Close(); mr.Close() }
}

func ExampleStore_List() {
	store, _, done := exampleStore()
	defer done()
	recs, err := store.List(context.Background(), deadletter.Filter{Status: "4xx"})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		fmt.Println(r.TaskID, r.State, deadletter.StatusCode(r), r.Rule, "-", r.Reason)
	}
	// Output: t2 open 404 resource_not_found 404-user-not-found - user does not exist
}

func ExampleStore_Stats() {
	store, _, done := exampleStore()
	defer done()
	st, err := store.Stats(context.Background(), deadletter.Filter{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total", st.Total)
	for _, c := range st.ByRule {
		fmt.Println(c.Key, c.Count)
	}
	// Output:
	// total 2
	// 404-user-not-found 1
	// 503 1
}

func ExampleStore_Replay() {
	store, opt, done := exampleStore()
	defer done()
	ctx := context.Background()
	client := tasks.NewClient(opt, tasks.ClientConfig{})
	defer client.Close()
	table, _ := policy.NewTable(nil, policy.DefaultRules())
	o := deadletter.ReplayOptions{Client: client, Table: table, User: "oncall", DryRun: true}

	plan, err := store.Replay(ctx, o) // --dry-run: changes nothing, says why per item
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range plan.Items {
		fmt.Printf("%s %s: %s\n", it.TaskID, it.Outcome, it.Why)
	}
	o.DryRun = false // the missing user was created meanwhile: send them
	rep, err := store.Replay(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Counts[deadletter.OutcomeReplayed], "replayed")
	// Output:
	// t1 would-replay: the cause is outside the payload (503, rule 503: service unavailable); it is sent again and the current policy decides its next failure
	// t2 would-replay: the cause is outside the payload (404 resource_not_found, rule 404-user-not-found: user does not exist); it is sent again and the current policy decides its next failure
	// 2 replayed
}

func ExampleStore_Delete() {
	store, _, done := exampleStore()
	defer done()
	rep, err := store.Delete(context.Background(), deadletter.DeleteOptions{
		Filter: deadletter.Filter{Rule: "404-user-not-found"}, User: "oncall"})
	if err != nil {
		log.Fatal(err)
	}
	n, _ := store.Count(context.Background())
	fmt.Println(rep.Counts[deadletter.OutcomeDeleted], "deleted,", n, "left")
	// Output: 1 deleted, 1 left
}
