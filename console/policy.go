package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/chatq/chatq/policy"
	"github.com/chatq/chatq/tasks"
)

type policyData struct {
	Rules   []policy.Rule
	Types   []string
	Status  string
	Code    string
	Message string
	Type    string
	Explain string
}

// servePolicy shows the effective table and explains one failure: a GET
// form, so it works in read-only mode and its result can be linked.
func (c *Console) servePolicy(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := policyData{Rules: c.cfg.Table.Rules(), Types: tasks.Types(), Status: strings.TrimSpace(q.Get("status")),
		Code: strings.TrimSpace(q.Get("code")), Message: q.Get("message"), Type: q.Get("type")}
	if d.Status != "" {
		f, err := failureOf(d)
		if err != nil {
			c.fail(w, r, http.StatusBadRequest, "policy", err)
			return
		}
		d.Explain = policy.Explain(c.cfg.Table, f)
	}
	c.render(w, r, http.StatusOK, "policy", "policy", "Policy", d)
}

// failureOf reads the explain form: status is an HTTP status or "network".
func failureOf(d policyData) (policy.Failure, error) {
	f := policy.Failure{Code: d.Code, Message: d.Message, TaskType: d.Type}
	if d.Status == "network" || d.Status == "0" {
		f.Network = true
		return f, nil
	}
	n, err := strconv.Atoi(d.Status)
	if err != nil || n < 100 || n > 599 {
		return f, fmt.Errorf(`field status: must be an HTTP status from 100 to 599, or "network", got %q`, d.Status)
	}
	f.Status = n
	return f, nil
}
