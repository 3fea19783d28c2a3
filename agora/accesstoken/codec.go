package accesstoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"compress/zlib"
)

// maxInflated bounds a decompressed token, so a hostile token cannot
// inflate into a large allocation. Real tokens are a few hundred bytes.
const maxInflated = 64 << 10

// sign computes the token signature of content.
func sign(appCertificate string, issueTs, salt uint32, content []byte) []byte {
	k := mac(binary.LittleEndian.AppendUint32(nil, issueTs), []byte(appCertificate))
	k = mac(binary.LittleEndian.AppendUint32(nil, salt), k)
	return mac(k, content)
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

func equalMAC(a, b []byte) bool { return hmac.Equal(a, b) }

// encode compresses packed and adds the version. Written with the default
// level and closed, the stream is byte-identical to Agora's reference
// builder (its vectors end in the empty final stored block, 00 00 ff ff,
// before the Adler-32).
func encode(packed []byte) (string, error) {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(packed); err != nil {
		return "", fmt.Errorf("accesstoken: compressing: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("accesstoken: compressing: %w", err)
	}
	return Version + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// parse decodes token into its content, signature and the signed bytes.
func parse(token string) (Token, []byte, []byte, error) {
	rest, ok := strings.CutPrefix(token, Version)
	if !ok {
		return Token{}, nil, nil, fmt.Errorf("%w: no %q prefix", ErrMalformed, Version)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return Token{}, nil, nil, fmt.Errorf("%w: base64", ErrMalformed)
	}
	packed, err := inflate(raw)
	if err != nil {
		return Token{}, nil, nil, err
	}
	r := &reader{b: packed}
	sig := []byte(r.str())
	content := r.b
	t := readContent(r)
	if r.err || len(r.b) != 0 {
		return Token{}, nil, nil, fmt.Errorf("%w: truncated or trailing content", ErrMalformed)
	}
	return t, sig, content, nil
}

func inflate(raw []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: zlib", ErrMalformed)
	}
	defer func() { _ = zr.Close() }()
	b, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil || len(b) > maxInflated {
		return nil, fmt.Errorf("%w: zlib stream", ErrMalformed)
	}
	return b, nil
}

func readContent(r *reader) Token {
	t := Token{AppID: r.str(), IssueTs: r.u32(), Expire: r.u32(), Salt: r.u32()}
	n := int(r.u16())
	for i := 0; i < n && !r.err; i++ {
		s := Service{Type: r.u16(), Privileges: map[uint16]uint32{}}
		if s.Type != ServiceChat && s.Type != ServiceRTM {
			r.err = true
			break
		}
		for range int(r.u16()) {
			if r.err {
				break
			}
			k := r.u16()
			s.Privileges[k] = r.u32()
		}
		s.UserID = r.str()
		t.Services = append(t.Services, s)
	}
	return t
}

// reader reads little-endian values; err sticks at the first short read.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) take(n int) []byte {
	if r.err || len(r.b) < n {
		r.err = true
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u16() uint16 { return binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *reader) str() string { return string(r.take(int(r.u16()))) }
