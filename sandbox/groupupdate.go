package sandbox

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"unicode/utf8"
)

// updatableGroupFields are the fields a PUT chatgroups/{g} may change
// (docs.agora.io "Modifying group information"): "If you pass in fields
// that cannot be modified or do not exist in the request, an error is
// reported."
var updatableGroupFields = map[string]string{
	"groupname": "string", "avatar": "string", "description": "string", "maxusers": "number",
	"membersonly": "bool", "allowinvites": "bool", "public": "bool", "invite_need_confirm": "bool", "custom": "string",
}

// Limits of a modification (custom: 1024 characters when modified).
const (
	maxGroupAvatarLen       = 1024
	maxGroupCustomUpdateLen = 1024
)

// refineEndpoint tells the two PUT chatgroups/{g} calls apart: with
// "newowner" it transfers the owner, without it modifies the group.
func refineEndpoint(endpoint string, body []byte) string {
	if endpoint != EndpointTransferOwner {
		return endpoint
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		if _, ok := fields["newowner"]; !ok {
			return EndpointUpdateGroup
		}
	}
	return endpoint
}

// updateGroup answers update_group: per field, whether it was applied. A
// maxusers below the group's size is answered false (not applied); Fault
// Refuse answers every field false.
func (s *Server) updateGroup(c *call) (any, *apiError) {
	if !json.Valid(c.body) {
		return nil, errJSONParse
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(c.body, &fields) != nil || len(fields) == 0 {
		return nil, errInvalidBody
	}
	values := make(map[string]any, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		v, e := updateValue(k, fields[k])
		if e != nil {
			return nil, e
		}
		values[k] = v
	}
	id := c.rt.params[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.groups[id]
	if !ok {
		return nil, errGroupNotFound
	}
	answer := make(map[string]bool, len(values))
	for k, v := range values {
		applied := !c.refuse && (k != "maxusers" || int(v.(float64)) >= len(g.members)+1)
		answer[k] = applied
		if applied {
			g.set(k, v)
		}
	}
	return c.envelope("put", answer), nil
}

// updateValue decodes one field of a modification and checks its type
// and limit.
func updateValue(k string, raw json.RawMessage) (any, *apiError) {
	kind, ok := updatableGroupFields[k]
	if !ok {
		return nil, errInvalidParameter("Some of [%s] are not valid fields.", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if dec.Decode(&v) != nil {
		return nil, errInvalidBody
	}
	bad := errInvalidParameter("Some of [%s] are not valid fields", k)
	switch x := v.(type) {
	case string:
		limit := map[string]int{"groupname": maxGroupNameLen, "description": maxGroupDescriptionLen,
			"avatar": maxGroupAvatarLen, "custom": maxGroupCustomUpdateLen}[k]
		if kind != "string" || utf8.RuneCountInString(x) > limit || (k == "groupname" && x == "") {
			return nil, bad
		}
	case float64:
		if kind != "number" || x < 1 || x != float64(int(x)) {
			return nil, bad
		}
	case bool:
		if kind != "bool" {
			return nil, bad
		}
	default:
		return nil, bad
	}
	return v, nil
}

// set applies one modified field.
func (g *group) set(k string, v any) {
	switch k {
	case "groupname":
		g.name = v.(string)
	case "description":
		g.description = v.(string)
	default:
		if g.info == nil {
			g.info = map[string]any{}
		}
		g.info[k] = v
	}
}

// GroupInfo returns the fields of group id a modification set besides
// its name and description (maxusers as a float64, the booleans, avatar,
// custom), with "description".
func (s *Server) GroupInfo(id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.groups[id]
	if !ok {
		return nil, false
	}
	out := maps.Clone(g.info)
	if out == nil {
		out = map[string]any{}
	}
	out["description"] = g.description
	return out, true
}
