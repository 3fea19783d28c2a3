package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/chatq/chatq/agora"
	"github.com/chatq/chatq/console"
	"github.com/chatq/chatq/deadletter"
	"github.com/chatq/chatq/dispatcher"
	"github.com/chatq/chatq/policy"
)

// DeadLetters is what the API reads; *deadletter.Store is one.
type DeadLetters interface {
	Stats(ctx context.Context, f deadletter.Filter) (deadletter.Stats, error)
	List(ctx context.Context, f deadletter.Filter) ([]deadletter.Record, error)
}

var _ DeadLetters = (*deadletter.Store)(nil)

// TokenStater reports a token source's state; *agora.ClientCredentials is one.
type TokenStater interface {
	State() agora.TokenState
}

// recentDeadLetters is how many records /chatq/api/deadletters lists.
const recentDeadLetters = 20

// deadLetterSummary is one recent dead letter, without its payload.
type deadLetterSummary struct {
	TaskID      string    `json:"task_id"`
	Type        string    `json:"type"`
	Queue       string    `json:"queue"`
	Status      int       `json:"status"`
	Code        string    `json:"code,omitempty"`
	Rule        string    `json:"rule"`
	Reason      string    `json:"reason"`
	Attempts    int       `json:"attempts"`
	LastFailure time.Time `json:"last_failure"`
}

type deadLettersReply struct {
	Stats  deadletter.Stats    `json:"stats"`
	Recent []deadLetterSummary `json:"recent"`
}

// tokensReply is /chatq/api/tokens. It never holds a token or a secret.
type tokensReply struct {
	// Available is false in a process without a worker (chatq monitor).
	Available   bool      `json:"available"`
	Valid       bool      `json:"valid"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	Refreshes   int       `json:"refreshes"`
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	// Credentials is "ok", "rejected" or "unknown".
	Credentials string `json:"credentials"`
	Ready       bool   `json:"ready"`
	NotReady    string `json:"not_ready,omitempty"`
}

func (m *Monitor) registerAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET "+APIPath+"deadletters", m.serveDeadLetters)
	mux.HandleFunc("GET "+APIPath+"policy", m.servePolicy)
	mux.HandleFunc("GET "+APIPath+"tokens", m.serveTokens)
}

func (m *Monitor) serveDeadLetters(w http.ResponseWriter, r *http.Request) {
	if m.cfg.DeadLetters == nil {
		http.Error(w, "no dead-letter store in this process", http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), m.cfg.Timeout)
	defer cancel()
	st, err := m.cfg.DeadLetters.Stats(ctx, deadletter.Filter{})
	if err != nil {
		http.Error(w, "reading dead letters: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	recs, err := m.cfg.DeadLetters.List(ctx, deadletter.Filter{Limit: recentDeadLetters})
	if err != nil {
		http.Error(w, "reading dead letters: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	reply := deadLettersReply{Stats: st, Recent: make([]deadLetterSummary, 0, len(recs))}
	for _, rec := range recs {
		reply.Recent = append(reply.Recent, deadLetterSummary{TaskID: rec.TaskID, Type: rec.Type, Queue: rec.Queue,
			Status: rec.Status, Code: rec.Code, Rule: rec.Rule, Reason: rec.Reason, Attempts: rec.Attempts,
			LastFailure: rec.LastFailure})
	}
	writeJSON(w, reply)
}

func (m *Monitor) servePolicy(w http.ResponseWriter, _ *http.Request) {
	rules := m.cfg.Rules
	if rules == nil {
		rules = []policy.Rule{}
	}
	writeJSON(w, struct {
		Rules []policy.Rule `json:"rules"`
	}{rules})
}

func (m *Monitor) serveTokens(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, m.tokens())
}

// consoleTokens is the token state for the console's overview.
func (m *Monitor) consoleTokens() console.TokenState {
	t := m.tokens()
	return console.TokenState{Available: t.Available, Valid: t.Valid, ExpiresAt: t.ExpiresAt, LastRefresh: t.LastRefresh,
		Refreshes: t.Refreshes, Failures: t.Failures, Credentials: t.Credentials, Ready: t.Ready, NotReady: t.NotReady}
}

// tokens reads the token and credentials state of the worker in this
// process; it never holds a token or a secret.
func (m *Monitor) tokens() tokensReply {
	reply := tokensReply{Credentials: "unknown"}
	if m.cfg.Tokens != nil {
		st := m.cfg.Tokens.State()
		reply.Available = true
		reply.Valid, reply.ExpiresAt, reply.LastRefresh = st.Valid, st.ExpiresAt, st.LastRefresh
		reply.Refreshes, reply.Failures, reply.LastError = st.Refreshes, st.Failures, st.LastError
	}
	if m.cfg.Ready != nil {
		reply.Available = true
		err := m.cfg.Ready()
		reply.Ready, reply.Credentials = err == nil, "ok"
		if err != nil {
			reply.NotReady = err.Error()
			switch {
			case errors.Is(err, dispatcher.ErrCredentialsRejected):
				reply.Credentials = "rejected"
			case errors.Is(err, dispatcher.ErrCredentialsUnchecked):
				reply.Credentials = "unknown" // the start check has not run yet
			}
		}
	}
	return reply
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
