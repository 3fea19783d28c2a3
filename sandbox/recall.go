package sandbox

import (
	"encoding/json"
	"net/http"
	"time"
)

// sentMessage is what a recall checks of a delivered message.
type sentMessage struct {
	target, to string // "users"/"chatgroups"/"chatrooms", the recipient
	at         time.Time
	recalled   bool
}

// recallRequest is the body of POST messages/msg_recall (docs.agora.io
// message management "Recall a message"; doc.easemob.com
// message_recall_single).
type recallRequest struct {
	MsgID      string `json:"msg_id"`
	To         string `json:"to"`
	ChatType   string `json:"chat_type"`
	From       string `json:"from"`
	Force      *bool  `json:"force"`
	SyncDevice *bool  `json:"sync_device"`
	// Documented, accepted and not modelled (Easemob).
	RecallMessageExtensionInfo string `json:"recallMessageExtensionInfo"`
}

// recallTargets maps a chat_type of the dialect to the message target it
// recalls from. Agora's page spells a group "group_chat", Easemob's
// "groupchat"; the other dialect's spelling is an invalid request.
func (s *Server) recallTargets() map[string]string {
	group := "groupchat"
	if s.cfg.Dialect == DialectAgora {
		group = "group_chat"
	}
	return map[string]string{"chat": "users", group: "chatgroups", "chatroom": "chatrooms"}
}

// Recall refusals, in each dialect's wording: Agora answers them with a
// 200 failure list (msgs[].recalled), Easemob with 400/403
// message_recall_error (its error table).
const (
	recallTooLate      = "too_late"
	recallNotFound     = "not_found"
	recallNoRecipient  = "no_recipient"
	recallInternalFail = "internal"
)

var recallReasons = map[string]struct {
	agora   string
	easemob *apiError
}{
	recallTooLate:      {"exceed call time limit", &apiError{http.StatusForbidden, "message_recall_error", "exceed recall time limit"}},
	recallNotFound:     {"not_found msg", &apiError{http.StatusForbidden, "message_recall_error", "not_found msg"}},
	recallNoRecipient:  {"can't find message to", &apiError{http.StatusBadRequest, "message_recall_error", "can't find msg to"}},
	recallInternalFail: {"internal error", &apiError{http.StatusInternalServerError, "", "internal error"}},
}

// recallMessage answers recall_message.
func (s *Server) recallMessage(c *call) (any, *apiError) {
	var req recallRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	for _, f := range []struct{ name, v string }{{"msg_id", req.MsgID}, {"to", req.To}, {"chat_type", req.ChatType}} {
		if f.v == "" {
			return nil, errRecallParam(f.name)
		}
	}
	if req.Force == nil {
		return nil, errRecallParam("force")
	}
	target, ok := s.recallTargets()[req.ChatType]
	if !ok {
		return nil, errInvalidRequest
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reason := s.recallLocked(c, req, target)
	if reason == "" {
		from := req.From
		if from == "" {
			from = "admin"
		}
		return c.envelope("post", map[string]string{"recalled": "yes", "chattype": req.ChatType, "from": from,
			"to": req.To, "msg_id": req.MsgID}), nil
	}
	r := recallReasons[reason]
	if s.cfg.Dialect == DialectEasemob {
		return nil, r.easemob
	}
	// Agora's failure answer, as its page shows it: no envelope.
	return map[string]any{"msgs": []map[string]string{{"msg_id": req.MsgID, "recalled": r.agora}}}, nil
}

// recallLocked recalls req's message and returns "", or the reason it
// does not. Server.mu must be held.
func (s *Server) recallLocked(c *call, req recallRequest, target string) string {
	m, ok := s.st.sent[req.MsgID]
	force := *req.Force
	switch {
	case c.refuse:
		return recallInternalFail
	case ok && (m.target != target || m.to != req.To):
		return recallNoRecipient
	case ok && m.recalled:
		return recallNotFound // "the message is recalled"
	case !ok && !force:
		return recallNotFound
	case !ok:
		return "" // force: recalled from the receivers' devices, nothing stored to change
	case !force && s.now().Sub(m.at) > s.cfg.RecallWindow:
		return recallTooLate
	}
	m.recalled = true
	s.st.sent[req.MsgID] = m
	return ""
}

func errRecallParam(name string) *apiError {
	return newError(http.StatusBadRequest, "message_recall_error", "param %s can't be empty", name)
}

// Recalled reports whether message id was recalled.
func (s *Server) Recalled(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.sent[id].recalled
}

// SeedMessage stores a delivered message sent at, directly: no call is
// counted and no quota applies. It returns the message id.
func (s *Server) SeedMessage(target, from, to string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ids.messageID()
	s.st.messages = append(s.st.messages, Message{ID: id, Target: target, From: from, To: to, Type: "txt",
		Body: json.RawMessage(`{"msg":"seeded"}`)})
	s.st.sent[id] = sentMessage{target: target, to: to, at: at}
	return id
}
