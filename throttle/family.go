package throttle

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Family is an API family with its own provider rate limit, named after the
// REST path it calls.
type Family string

// The families chatq calls and their documented limits
// (https://docs.agora.io/en/api-reference/api-ref/im/limitations).
const (
	// MessagesUsers is POST /messages/users: 100 calls/s.
	MessagesUsers Family = "messages/users"
	// MessagesGroups is POST /messages/chatgroups: 20 calls/s.
	MessagesGroups Family = "messages/chatgroups"
	// MessagesRooms is POST /messages/chatrooms: 100 calls/s.
	MessagesRooms Family = "messages/chatrooms"
	// Users is POST /users: 100 calls/s.
	Users Family = "users"
	// Groups is every /chatgroups call: 100 calls/s.
	Groups Family = "chatgroups"
	// MessagesRecall is POST /messages/msg_recall: 100 calls/s per app key
	// (doc.easemob.com message_recall_single), a quota of its own.
	MessagesRecall Family = "messages/msg_recall"
	// Rest is every rest:call: the calls have no family chatq knows, so
	// they share one, at the default 100 calls/s of most APIs.
	Rest Family = "rest"
)

// Families lists the families in display order.
var Families = []Family{MessagesUsers, MessagesGroups, MessagesRooms, Users, Groups, MessagesRecall, Rest}

// DefaultLimits returns the documented limits in calls per second.
func DefaultLimits() map[Family]float64 {
	return map[Family]float64{
		MessagesUsers: 100, MessagesGroups: 20, MessagesRooms: 100, Users: 100, Groups: 100,
		MessagesRecall: 100, Rest: 100,
	}
}

// FamilyFor returns the family of a task type; target is the message
// target ("users", "chatgroups", "chatrooms") for message:send and ignored
// otherwise. Unknown types give "".
func FamilyFor(taskType, target string) Family {
	switch {
	case taskType == "message:send":
		switch target {
		case "chatgroups":
			return MessagesGroups
		case "chatrooms":
			return MessagesRooms
		}
		return MessagesUsers
	case taskType == "user:register":
		return Users
	case strings.HasPrefix(taskType, "group:"):
		return Groups
	case taskType == "message:recall":
		return MessagesRecall
	case taskType == "rest:call":
		return Rest
	}
	return ""
}

// ParseLimits checks a family→calls/s map (a rate-limit setting) and
// returns the defaults overridden by it. A limit of 0 means no limit for
// that family. Families are checked in name order, so the error is stable.
func ParseLimits(in map[string]float64) (map[Family]float64, error) {
	out := DefaultLimits()
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v, f := in[k], Family(k)
		if !slices.Contains(Families, f) {
			return nil, fmt.Errorf("unknown family %q (want one of %s)", k, familyNames())
		}
		if v < 0 {
			return nil, fmt.Errorf("family %q: limit must be >= 0, got %g", k, v)
		}
		out[f] = v
	}
	return out, nil
}

func familyNames() string {
	names := make([]string, len(Families))
	for i, f := range Families {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
