package tasks

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"unicode/utf8"
)

// User attribute limits (https://docs.agora.io/en/agora-chat/restful-api/user-attributes-management,
// https://doc.easemob.com/document/server-side/userprofile.html): a user's
// attributes total at most 2 KB, a request body at most 4 KB, and the keys
// the client SDKs read have their own lengths.
const (
	maxMetadataBytes = 2048 // the sum of len(key)+len(value) of one request
	maxMetadataBody  = 4096 // the form-urlencoded request body, in bytes
)

// metadataKeyChars are the documented lengths, in characters, of the keys
// the SDKs read (nickname, avatarurl, …); "gender" is one of "0", "1", "2".
var metadataKeyChars = map[string]int{
	"nickname": 64, "avatarurl": 256, "phone": 32, "mail": 64, "sign": 256, "birth": 64,
}

// SetUserMetadata is the payload of TypeSetUserMetadata: the attributes to
// set (others are left as they are), sent as a form-urlencoded body.
// Metadata is not a secret, but it is user data: the worker never logs it.
type SetUserMetadata struct {
	Username string            `json:"username"` // required
	Metadata map[string]string `json:"metadata"` // at least one key
}

// TaskType returns TypeSetUserMetadata.
func (SetUserMetadata) TaskType() string { return TypeSetUserMetadata }

// Validate returns the first violation as a *ValidationError; no Limits
// apply. Keys are checked in sorted order, so the error is stable.
func (p SetUserMetadata) Validate(Limits) error {
	c := checker{typ: TypeSetUserMetadata}
	c.username("username", p.Username)
	if !c.failed() && len(p.Metadata) == 0 {
		c.fail("metadata", "must have at least one key")
	}
	total := 0
	for _, k := range slices.Sorted(maps.Keys(p.Metadata)) {
		c.metadataEntry(k, p.Metadata[k])
		total += len(k) + len(p.Metadata[k])
	}
	if !c.failed() && total > maxMetadataBytes {
		c.fail("metadata", fmt.Sprintf("keys and values must total at most %d bytes, got %d", maxMetadataBytes, total))
	}
	if n := len(MetadataForm(p.Metadata)); !c.failed() && n > maxMetadataBody {
		c.fail("metadata", fmt.Sprintf("must encode to at most %d bytes of form body, got %d", maxMetadataBody, n))
	}
	return c.err()
}

// metadataEntry checks one attribute.
func (c *checker) metadataEntry(k, v string) {
	field := "metadata." + k
	switch {
	case c.failed():
	case k == "":
		c.fail("metadata", "keys must not be empty")
	case !utf8.ValidString(k):
		c.fail("metadata", "keys must be valid UTF-8")
	case !utf8.ValidString(v):
		c.fail(field, ruleUTF8)
	case k == "gender" && v != "0" && v != "1" && v != "2":
		c.fail(field, `must be "0" (unknown), "1" or "2"`)
	default:
		if limit, ok := metadataKeyChars[k]; ok {
			c.text(field, v, 0, limit)
		}
	}
}

// MetadataForm is the provider's request body for metadata: form-urlencoded,
// keys sorted (url.Values.Encode), so a retried task sends the same bytes.
func MetadataForm(md map[string]string) string {
	v := make(url.Values, len(md))
	for k, s := range md {
		v.Set(k, s)
	}
	return v.Encode()
}
