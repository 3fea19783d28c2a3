package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/policy"
)

// pageSize is how many dead letters one list page shows.
const pageSize = 50

type listData struct {
	Form    filterForm
	Records []deadletter.Record
	Stored  int64
	Next    string // link to the next page; "" on the last
	First   string // link to the first page; "" on it
	Rules   []string
	Types   []string
}

func (c *Console) serveDeadLetters(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	q := r.URL.Query()
	form := readFilterForm(q)
	f, err := form.filter(c.cfg.Now())
	if err != nil {
		c.fail(w, r, http.StatusBadRequest, "deadletters", err)
		return
	}
	page, err := c.cfg.Store.PageOf(ctx, f, q.Get("after"), pageSize)
	var fe *deadletter.FilterError
	if errors.As(err, &fe) {
		c.fail(w, r, http.StatusBadRequest, "deadletters", err)
		return
	}
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "deadletters", err)
		return
	}
	d := listData{Form: form, Records: page.Records}
	if d.Stored, err = c.cfg.Store.Count(ctx); err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "deadletters", err)
		return
	}
	if page.Next != "" {
		next := cloneValues(form.Values)
		next.Set("after", page.Next)
		d.Next = withQuery(c.cfg.Prefix+"/deadletters", next)
	}
	if q.Get("after") != "" {
		d.First = withQuery(c.cfg.Prefix+"/deadletters", form.Values)
	}
	for _, rule := range c.cfg.Table.Rules() {
		d.Rules = append(d.Rules, rule.Name)
	}
	c.render(w, r, http.StatusOK, "deadletters", "deadletters", "Dead letters", d)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

type recordData struct {
	Rec     deadletter.Record
	Payload string
	Row     policy.Rule // the row that decides this failure now
	Explain string
	// Changed is true when the current table decides it by another row
	// than the one that dead-lettered it.
	Changed bool
}

func (c *Console) serveRecord(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.record(w, r)
	if !ok {
		return
	}
	f := policy.Failure{Status: rec.Status, Code: rec.Code, Message: rec.Description, TaskType: rec.Type, Network: rec.Status == 0}
	row := c.cfg.Table.Lookup(f)
	d := recordData{Rec: rec, Payload: c.cfg.FormatPayload(rec.PayloadBytes()), Row: row,
		Explain: policy.Explain(c.cfg.Table, f), Changed: row.Name != rec.Rule}
	c.render(w, r, http.StatusOK, "record", "deadletters", "Dead letter "+rec.TaskID, d)
}

// record reads the {id} of the path, answering 404 or 503 itself.
func (c *Console) record(w http.ResponseWriter, r *http.Request) (deadletter.Record, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	rec, err := c.cfg.Store.Get(ctx, r.PathValue("id"))
	switch {
	case errors.Is(err, deadletter.ErrNotFound):
		c.fail(w, r, http.StatusNotFound, "deadletters", errors.New("no dead letter with id "+r.PathValue("id")+
			" (replayed or deleted already? see the audit log)"))
		return rec, false
	case err != nil:
		c.fail(w, r, http.StatusServiceUnavailable, "deadletters", err)
		return rec, false
	}
	return rec, true
}

type editData struct {
	Rec     deadletter.Record
	Payload string
	Patch   string
}

// serveEdit is the merge-patch editor: the patch is posted to replay,
// whose dry run shows the diff before anything is sent.
func (c *Console) serveEdit(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.record(w, r)
	if !ok {
		return
	}
	patch := r.URL.Query().Get("patch")
	if patch == "" {
		patch = "{}"
	}
	c.render(w, r, http.StatusOK, "edit", "deadletters", "Edit and replay "+rec.TaskID,
		editData{Rec: rec, Payload: c.cfg.FormatPayload(rec.PayloadBytes()), Patch: patch})
}

// auditShown is how many audit entries the audit page lists.
const auditShown = 100

func (c *Console) serveAudit(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	entries, err := c.cfg.Store.Audit(ctx, auditShown)
	if err != nil {
		c.fail(w, r, http.StatusServiceUnavailable, "audit", err)
		return
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{AuditEntry: e}
		if len(e.Patch) > 0 {
			rows[i].PatchText = c.cfg.FormatPayload(e.Patch)
		}
	}
	c.render(w, r, http.StatusOK, "audit", "audit", "Audit log", rows)
}

// auditRow is an audit entry with its patch redacted as payloads are.
type auditRow struct {
	deadletter.AuditEntry
	PatchText string
}
