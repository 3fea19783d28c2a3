package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadRules reads override rows from a .json, .yaml or .yml file. The file
// holds one object with a "rules" list of [Rule]s:
//
//	rules:
//	  - name: 403-forbidden-retry
//	    status: "403"
//	    action: retry
//	    reason: forbidden, retry anyway
//
// Unknown fields are rejected, and each row is validated as [NewTable] would;
// errors name the file, the rule's index (from 0) and name, and the field.
func LoadRules(path string) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading rules: %w", err)
	}
	var rules []Rule
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		rules, err = decodeJSON(data)
	case ".yaml", ".yml":
		rules, err = decodeYAML(data)
	default:
		err = fmt.Errorf("unknown extension %q (want .json, .yaml or .yml)", ext)
	}
	if err == nil {
		_, err = compileAll(rules)
	}
	if err != nil {
		return nil, fmt.Errorf("loading rules from %s: %w", path, err)
	}
	return rules, nil
}

func decodeJSON(data []byte) ([]Rule, error) {
	var doc struct {
		Rules []json.RawMessage `json:"rules"`
	}
	if err := strictJSON(data, &doc); err != nil {
		return nil, err
	}
	rules := make([]Rule, len(doc.Rules))
	for i, raw := range doc.Rules {
		if err := strictJSON(raw, &rules[i]); err != nil {
			var peek struct{ Name string }
			_ = json.Unmarshal(raw, &peek) // best effort: the name only labels the error
			return nil, &RuleError{Index: i, Name: peek.Name, Err: err}
		}
	}
	return rules, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func decodeYAML(data []byte) ([]Rule, error) {
	var doc struct {
		Rules []yaml.Node `yaml:"rules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, err
	}
	rules := make([]Rule, len(doc.Rules))
	for i := range doc.Rules {
		if err := decodeYAMLRule(&doc.Rules[i], &rules[i]); err != nil {
			return nil, &RuleError{Index: i, Name: yamlName(&doc.Rules[i]), Err: err}
		}
	}
	return rules, nil
}

// decodeYAMLRule decodes one row. yaml.Node.Decode cannot reject unknown
// fields (KnownFields is a Decoder option), so the keys are checked here,
// which also keeps the file's own line numbers in the error.
func decodeYAMLRule(n *yaml.Node, r *Rule) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !ruleYAMLFields[k.Value] {
			return fmt.Errorf("line %d: unknown field %q", k.Line, k.Value)
		}
	}
	if err := n.Decode(r); err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	return nil
}

func yamlName(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// ruleYAMLFields is the set of yaml keys of Rule, read from its tags.
var ruleYAMLFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Rule]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		m[name] = true
	}
	return m
}()
