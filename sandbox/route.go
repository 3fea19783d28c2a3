package sandbox

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Endpoint names, as used in Stats.Calls and Fault.Endpoint.
const (
	EndpointToken         = "token"
	EndpointSendMessage   = "send_message"
	EndpointRegisterUser  = "register_user"
	EndpointCreateGroup   = "create_group"
	EndpointDeleteGroup   = "delete_group"
	EndpointAddMembers    = "add_members"
	EndpointRemoveMembers = "remove_members"
	EndpointTransferOwner = "transfer_owner"
	EndpointRecallMessage = "recall_message"
	// EndpointUpdateGroup is PUT chatgroups/{g} without "newowner" (a PUT
	// with it is transfer_owner).
	EndpointUpdateGroup = "update_group"
	// EndpointOther counts provider-path calls that match no endpoint: an
	// unknown path or a known path with the wrong method.
	EndpointOther = "other"
)

// Endpoints lists every endpoint name a Fault may name.
var Endpoints = []string{
	EndpointToken, EndpointSendMessage, EndpointRegisterUser, EndpointCreateGroup,
	EndpointDeleteGroup, EndpointAddMembers, EndpointRemoveMembers, EndpointTransferOwner,
	EndpointRecallMessage, EndpointUpdateGroup, EndpointOther,
}

type routeStatus int

const (
	routeOK routeStatus = iota
	routeUnknown
	routeBadMethod
)

// route is a provider path taken apart.
type route struct {
	org, app string
	rest     string   // the path after /{org}/{app}, e.g. "/messages/users"
	params   []string // the path's variable segments, in order
	endpoint string
	status   routeStatus
}

// pattern is one provider path; "*" matches any non-empty segment.
type pattern struct {
	segs    []string
	methods map[string]string // method -> endpoint
}

var patterns = []pattern{
	{[]string{"token"}, map[string]string{http.MethodPost: EndpointToken}},
	{[]string{"messages", "users"}, map[string]string{http.MethodPost: EndpointSendMessage}},
	{[]string{"messages", "chatgroups"}, map[string]string{http.MethodPost: EndpointSendMessage}},
	{[]string{"messages", "chatrooms"}, map[string]string{http.MethodPost: EndpointSendMessage}},
	{[]string{"messages", "msg_recall"}, map[string]string{http.MethodPost: EndpointRecallMessage}},
	{[]string{"users"}, map[string]string{http.MethodPost: EndpointRegisterUser}},
	{[]string{"chatgroups"}, map[string]string{http.MethodPost: EndpointCreateGroup}},
	{[]string{"chatgroups", "*"}, map[string]string{
		http.MethodDelete: EndpointDeleteGroup, http.MethodPut: EndpointTransferOwner}},
	{[]string{"chatgroups", "*", "users"}, map[string]string{http.MethodPost: EndpointAddMembers}},
	{[]string{"chatgroups", "*", "users", "*"}, map[string]string{
		http.MethodPost: EndpointAddMembers, http.MethodDelete: EndpointRemoveMembers}},
}

// parseRoute splits the raw (escaped) path into org, app and the rest, as
// routeSegments reads it, and finds the endpoint.
func parseRoute(method, rawPath string) route {
	parts := routeSegments(rawPath)
	rt := route{endpoint: EndpointOther, status: routeUnknown}
	rt.org = parts[0]
	if len(parts) > 1 {
		rt.app = parts[1]
	}
	if len(parts) < 3 {
		return rt
	}
	rest := parts[2:]
	rt.rest = "/" + strings.Join(rest, "/")
	for _, p := range patterns {
		params, ok := p.match(rest)
		if !ok {
			continue
		}
		rt.params = params
		ep, ok := p.methods[method]
		if !ok {
			rt.status = routeBadMethod
			return rt
		}
		rt.endpoint, rt.status = ep, routeOK
		return rt
	}
	return rt
}

func (p pattern) match(segs []string) ([]string, bool) {
	if len(segs) != len(p.segs) {
		return nil, false
	}
	var params []string
	for i, want := range p.segs {
		switch {
		case want == "*" && segs[i] != "":
			params = append(params, segs[i])
		case want != segs[i]:
			return nil, false
		}
	}
	return params, true
}

var errBodyLimit = errors.New("request body too large")

// readBody reads at most limit bytes of r's body.
func readBody(r *http.Request, limit int) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return b, err
	}
	if len(b) > limit {
		return b[:limit], errBodyLimit
	}
	return b, nil
}

// isJSON reports whether a Content-Type header names application/json.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
