package deadletter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The cases of RFC 7386, appendix A.
func TestMergePatch_RFC7386(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"n":12345678901234567890}`, `{}`, `{"n":12345678901234567890}`},
	}
	for _, tt := range tests {
		got, err := mergePatch([]byte(tt.doc), []byte(tt.patch))
		require.NoError(t, err)
		require.JSONEq(t, tt.want, string(got), "doc %s patch %s", tt.doc, tt.patch)
	}
	_, err := mergePatch([]byte(`{}`), []byte(`{`))
	require.Error(t, err)
}

func TestDiff(t *testing.T) {
	t.Parallel()
	got := diffPaths([]byte(`{"to":["a"],"body":{"msg":"x"},"gone":1}`), []byte(`{"to":["b"],"body":{"msg":"x"},"new":true}`))
	require.Equal(t, []string{"- gone: 1", "+ new: true", `- to: ["a"]`, `+ to: ["b"]`}, got)
}
