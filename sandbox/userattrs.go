package sandbox

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// This file holds a user's attributes and global mutes (user:metadata:set,
// user:mute); accounts.go holds the rest of a user's state.

// User attribute limits (docs.agora.io user-attributes-management,
// doc.easemob.com userprofile): 2 KB per user, the documented lengths (in
// characters) of the keys the SDKs read.
const maxUserMetadata = 2048

var metadataKeyLen = map[string]int{
	"nickname": 64, "avatarurl": 256, "phone": 32, "mail": 64, "sign": 256, "birth": 64,
}

// maxMuteSeconds is the documented largest mute duration.
const maxMuteSeconds = 2147483647

// muteRequest is the body of POST /mutes; the durations are optional.
type muteRequest struct {
	Username  string `json:"username"`
	Chat      *int64 `json:"chat"`
	GroupChat *int64 `json:"groupchat"`
	ChatRoom  *int64 `json:"chatroom"`
}

// muteUser answers mute_user. A duration > 0 mutes for that many seconds,
// -1 for ever, 0 unmutes; other negative values do nothing, as documented.
// Unknown fields are refused (stricter than the pages say, never laxer).
func (s *Server) muteUser(c *call) (any, *apiError) {
	var req muteRequest
	if e := c.decodeStrict(&req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.users[req.Username]; !ok {
		if s.cfg.Dialect == DialectEasemob {
			return nil, newError(http.StatusBadRequest, "required_property_not_found",
				"Entity user requires a property named username")
		}
		return nil, errAccountNotFound
	}
	if c.refuse {
		return c.envelope("post", map[string]string{"result": "fail"}), nil
	}
	a := s.st.accountOf(req.Username)
	for kind, v := range map[string]*int64{"chat": req.Chat, "groupchat": req.GroupChat, "chatroom": req.ChatRoom} {
		switch {
		case v == nil || *v < -1 || *v > maxMuteSeconds:
		case *v == 0:
			delete(a.mutes, kind)
		case *v == -1:
			a.mutes[kind] = time.Time{}
		default:
			a.mutes[kind] = s.now().Add(time.Duration(*v) * time.Second)
		}
	}
	return c.envelope("post", map[string]string{"result": "ok"}), nil
}

// setMetadata answers set_user_metadata: a form body whose pairs are
// merged into the user's attributes. Over 2 KB in all, or a documented
// key over its length, is the 403 Easemob documents; nothing is set then.
// A refusal answers without the keys and sets nothing.
func (s *Server) setMetadata(c *call) (any, *apiError) {
	form, err := url.ParseQuery(string(c.body))
	if err != nil || len(form) == 0 {
		return nil, errInvalidRequest
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name, e := s.knownUser(c)
	if e != nil {
		return nil, e
	}
	a := s.st.accountOf(name)
	merged := maps.Clone(a.metadata)
	set := map[string]string{}
	for k, vs := range form {
		v := vs[len(vs)-1]
		if limit, ok := metadataKeyLen[k]; ok && utf8.RuneCountInString(v) > limit {
			return nil, newError(http.StatusForbidden, "FORBIDDEN",
				"size of metadata for this single user exceeds the current mysql column size, %dBytes", len(v))
		}
		merged[k], set[k] = v, v
	}
	if n := metadataSize(merged); n > maxUserMetadata {
		return nil, newError(http.StatusForbidden, "FORBIDDEN",
			"size of metadata for this single user exceeds the user defined limit, %dBytes", maxUserMetadata)
	}
	if c.refuse {
		return metadataAnswer{Timestamp: s.now().UnixMilli(), Data: map[string]string{}}, nil
	}
	a.metadata = merged
	return metadataAnswer{Timestamp: s.now().UnixMilli(), Data: set}, nil
}

// metadataAnswer is the documented answer of set attributes: the pairs set.
type metadataAnswer struct {
	Timestamp int64             `json:"timestamp"`
	Data      map[string]string `json:"data"`
	Duration  int               `json:"duration"`
}

func metadataSize(md map[string]string) int {
	n := 0
	for k, v := range md {
		n += len(k) + len(v)
	}
	return n
}

// decodeStrict is decode refusing fields v does not have (400
// invalid_request_body).
func (c *call) decodeStrict(v any) *apiError {
	if !json.Valid(c.body) {
		return errJSONParse
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if dec.Decode(v) != nil {
		return errInvalidBody
	}
	return nil
}
