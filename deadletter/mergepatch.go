package deadletter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// mergePatch applies a JSON merge patch (RFC 7386) to doc and returns the
// result: objects merge recursively, null removes a member, anything else
// replaces. Numbers keep their exact text.
func mergePatch(doc, patch []byte) ([]byte, error) {
	p, err := decodeJSON(patch)
	if err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	d, err := decodeJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return encodeJSON(mergeValue(d, p))
}

// mergeValue is the MergePatch function of RFC 7386, section 2.
func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not valid JSON: data after the value")
	}
	return v, nil
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// diffPaths describes how after differs from before, one line per changed leaf:
// "- path: old" and "+ path: new", in path order. Both must be JSON.
func diffPaths(before, after []byte) []string {
	b, errB := decodeJSON(before)
	a, errA := decodeJSON(after)
	if errB != nil || errA != nil {
		return nil
	}
	old, cur := map[string]string{}, map[string]string{}
	flatten("", b, old)
	flatten("", a, cur)
	paths := make([]string, 0, len(old)+len(cur))
	for p := range old {
		paths = append(paths, p)
	}
	for p := range cur {
		if _, ok := old[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []string
	for _, p := range paths {
		o, inOld := old[p]
		n, inNew := cur[p]
		if inOld && inNew && o == n {
			continue
		}
		if inOld {
			out = append(out, "- "+p+": "+o)
		}
		if inNew {
			out = append(out, "+ "+p+": "+n)
		}
	}
	return out
}

// flatten maps each leaf of v (arrays count as leaves) to its JSON text.
func flatten(path string, v any, out map[string]string) {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		for k, sub := range m {
			flatten(strings.TrimPrefix(path+"."+k, "."), sub, out)
		}
		return
	}
	b, _ := encodeJSON(v)
	if path == "" {
		path = "."
	}
	out[path] = string(b)
}
