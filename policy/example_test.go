package policy_test

import (
	"fmt"

	"github.com/chatq/chatq/policy"
)

func ExamplePolicy_Decide() {
	p, err := policy.New(policy.Config{Rand: func() float64 { return 0.5 }})
	if err != nil {
		panic(err)
	}
	for _, f := range []policy.Failure{
		{Status: 403, Code: "forbidden_op", Message: "users [bob] are not members of this group!", TaskType: "group:members:remove"},
		{Status: 429, Code: "reach_limit", Message: "This request has reached api limit", TaskType: "message:send"},
		{Status: 503, TaskType: "message:send"},
	} {
		d := p.Decide(f, 2)
		fmt.Printf("%s after %s by %s: %s\n", d.Action, d.Delay, d.Rule.Name, d.Reason)
	}
	// Output:
	// done after 0s by 403-not-member: users already not in group (403 forbidden_op)
	// defer after 4s by 429-reach-limit: API call rate limit (429 reach_limit)
	// retry after 4s by 503: service unavailable (503)
}
