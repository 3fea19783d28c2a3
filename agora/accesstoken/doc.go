// Package accesstoken builds, parses and verifies Agora AccessToken2 tokens
// ("007" tokens), the app tokens that authenticate the Agora Chat REST API.
//
// It is written from the published algorithm (see
// https://docs.agora.io/en/agora-chat/develop/authentication), not from Agora's code, and is
// tested against Agora's published vectors byte for byte. A token is
//
//	"007" + base64.Std(zlib(packString(signature) ‖ content))
//	content   = packString(appID) ‖ u32(issueTs) ‖ u32(expire) ‖ u32(salt) ‖ u16(n) ‖ services
//	service   = u16(type) ‖ u16(n) ‖ (u16 privilege ‖ u32 expire)… ‖ packString(userID)
//	signature = HMAC-SHA256(HMAC-SHA256(key=u32(salt), HMAC-SHA256(key=u32(issueTs), certificate)), content)
//
// with little-endian integers, strings as a u16 length and the bytes,
// services sorted by type and privileges by key. Expire values are seconds
// after issueTs. Only services that pack one user id (RTM, type 2, and Chat,
// type 5) are supported; a chat app token is one Chat service with an empty
// user id and the ChatApp privilege.
//
// The App Certificate is a secret: it never appears in an error.
package accesstoken
