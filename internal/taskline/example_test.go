package taskline_test

import (
	"fmt"
	"strings"

	"github.com/chatq/chatq/internal/taskline"
	"github.com/chatq/chatq/tasks"
)

func ExampleRead() {
	in := strings.NewReader(`# chatq enqueue -f
{"type":"group:delete","payload":{"group_id":"1"}}
{"type":"message:send","payload":{"target":"chatrooms","to":["r1"],"type":"img","body":{}}}
{"type":"group:remove","payload":{}}
`)
	lines, err := taskline.Read(in, tasks.Limits{})
	fmt.Println(len(lines), "good line(s)")
	fmt.Println(err)
	// Output:
	// 1 good line(s)
	// line 3: message:send: field "body.url": is required
	// line 4: field "type": unknown task type "group:remove"; want one of group:create, group:delete, group:members:add, group:members:remove, group:owner:transfer, group:update, message:recall, message:send, rest:call, user:register
}

func ExampleParse() {
	line, err := taskline.Parse([]byte(`{"type":"group:delete","key":"cleanup-1","payload":{"group_id":"1"}}`), tasks.Limits{})
	fmt.Println(line.Type, line.Key, string(line.Payload), err)
	_, err = taskline.Parse([]byte(`{"type":"group:delete","payload":{"group_id":"1"},"ttl":"soon"}`), tasks.Limits{})
	fmt.Println(err)
	// Output:
	// group:delete cleanup-1 {"group_id":"1"} <nil>
	// group:delete: field "ttl": must be a positive duration such as 90s or 2h, got "soon"
}
