package tasks

// DefaultMaxPayloadBytes is the default cap on the payload a worker decodes
// (dispatcher.Config.MaxPayloadBytes): 1 MiB. With the default limits the largest
// valid payload is LargestPayload(Limits{}) = 260,648 bytes (a group:create
// with 3,000 members; a message to 600 users with 40,960 bytes of body and
// ext is at most 81,672), so the cap is four times that, and it still holds
// a message whose MaxMessageBytes is raised to 1,000,000 bytes.
const DefaultMaxPayloadBytes = 1 << 20

// Sizes behind LargestPayload, in bytes of chatq's encoding (compact JSON,
// no HTML escaping; see marshal). A quoted username or id of at most 64
// ASCII characters, with its comma, takes at most maxNameLen+3; a character
// of free text at most 6 (a control character is "\u00XX").
const (
	maxQuotedName  = maxNameLen + 3
	maxEscapedChar = 6
	// fixedFieldBytes bounds every key, punctuation and short field of a
	// payload (target, type, from, routetype, the booleans, maxusers, the
	// owner): under 512.
	fixedFieldBytes = 512
)

// LargestPayload returns an upper bound on the size of a valid payload
// under l as this package encodes it: the larger of
//
//   - message:send: 600 recipients × (64-byte name, quotes, comma) +
//     l.MaxMessageBytes (body and ext, compacted) + 512;
//   - group:create: 3,000 members × (64-byte name, quotes, comma) + 6 bytes
//     per character of name (128), description (512) and avatar (1,024),
//     and per byte of custom (8,192) + 512.
//
// Other types are far smaller (a batch is 60 names). A worker's payload cap
// must not be below it, or it would refuse valid tasks. A foreign producer
// can write a valid payload that is larger (whitespace between tokens,
// every character \u-escaped); the cap refuses such payloads too.
func LargestPayload(l Limits) int {
	return max(largestMessage(l), largestGroup())
}

func largestMessage(l Limits) int {
	return maxRecipients[targetUsers]*maxQuotedName + l.withDefaults().MaxMessageBytes + fixedFieldBytes
}

func largestGroup() int {
	return maxGroupMembers*maxQuotedName +
		maxEscapedChar*(maxGroupName+maxDescription+maxAvatar+maxCustom) + fixedFieldBytes
}
