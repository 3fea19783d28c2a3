package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
)

// maxRecipients is the documented per-request limit of "to" by target.
var maxRecipients = map[string]int{"users": 600, "chatgroups": 3, "chatrooms": 10}

// sendRequest is the body of POST /{org}/{app}/messages/{target}.
type sendRequest struct {
	From       *string         `json:"from"`
	To         []string        `json:"to"`
	Type       string          `json:"type"`
	Body       json.RawMessage `json:"body"`
	Ext        json.RawMessage `json:"ext"`
	SyncDevice *bool           `json:"sync_device"`
	RouteType  string          `json:"routetype"`
	// Documented optional fields, accepted and not modelled.
	NeedGroupAck     *bool    `json:"need_group_ack"`
	ChatroomMsgLevel string   `json:"chatroom_msg_level"`
	RoamIgnoreUsers  []string `json:"roam_ignore_users"`
}

// sendMessage answers send_message. Like the provider, it does not check
// that the sender or the recipients exist.
func (s *Server) sendMessage(c *call) (any, *apiError) {
	target := strings.TrimPrefix(c.rt.rest, "/messages/")
	var req sendRequest
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if e := s.validateSend(target, &req); e != nil {
		return nil, e
	}
	from := "admin"
	if req.From != nil {
		from = *req.From
	}
	data, ok := s.deliver(target, from, &req)
	if !ok {
		return nil, errMessageQuota
	}
	return c.envelope("post", data), nil
}

// validateSend applies the provider's send checks in its order.
func (s *Server) validateSend(target string, req *sendRequest) *apiError {
	switch {
	case req.From != nil && *req.From == "":
		return errEmptyFrom
	case len(req.To) == 0:
		return errSendParam("param to can't be empty")
	case len(req.To) > maxRecipients[target]:
		return errSendParam("params to's size can't exceed limit %d", maxRecipients[target])
	case req.Type == "":
		return errSendParam("param type can't be empty")
	case isAbsent(req.Body):
		return errSendParam("param body can't be empty")
	case len(req.Ext) > 0 && !isObject(req.Ext):
		return errSendParam("param ext must be JSONObject")
	case len(req.Body)+len(req.Ext) > s.cfg.MaxMessageBytes:
		if s.cfg.Dialect == DialectEasemob {
			return errMessageTooLargeEasemob
		}
		return errMessageTooLarge
	}
	return nil
}

// deliver stores one message per recipient and returns recipient -> message
// id, or false when the message quota does not allow them all.
func (s *Server) deliver(target, from string, req *sendRequest) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.quota.take(s.now(), len(req.To), s.cfg.MessageQuotaPerMinute) {
		return nil, false
	}
	data := make(map[string]string, len(req.To))
	for _, to := range req.To {
		id := s.ids.messageID()
		data[to] = id
		s.st.messages = append(s.st.messages, Message{
			ID: id, Target: target, From: from, To: to, Type: req.Type, Body: req.Body, Ext: req.Ext,
		})
		s.st.sent[id] = sentMessage{target: target, to: to, at: s.now()}
	}
	s.stats.Delivered += len(req.To)
	// Trim at twice the limit so the copy is amortised; Messages returns
	// only the newest MaxStoredMessages.
	if n := s.cfg.MaxStoredMessages; n > 0 && len(s.st.messages) >= 2*n {
		for _, m := range s.st.messages[:len(s.st.messages)-n] {
			delete(s.st.sent, m.ID) // no longer stored: a recall finds it no more
		}
		s.st.messages = append([]Message(nil), s.st.messages[len(s.st.messages)-n:]...)
	}
	return data, true
}

// isAbsent reports whether a raw JSON field was missing or null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// isObject reports whether raw JSON is an object.
func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}
