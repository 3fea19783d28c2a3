package cli

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// configVars returns every CHATQ_* variable of Config (embedded structs
// included) with its default tag ("" when it has none).
func configVars(t *testing.T, typ reflect.Type) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range configVars(t, f.Type) {
				out[k] = v
			}
			continue
		}
		name, ok := f.Tag.Lookup("envconfig")
		require.True(t, ok, "Config field %s has no envconfig tag", f.Name)
		out[envPrefix+"_"+name] = f.Tag.Get("default")
	}
	return out
}

var readmeVar = regexp.MustCompile("`(CHATQ_[A-Z0-9_]+)`")

// readmeConfigVars parses the README's configuration table: variable
// names from the first column, the default from the second (the text in
// backticks, or "" for "–" and prose such as "documented limits").
func readmeConfigVars(t *testing.T) map[string]string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "\n| variable | default | meaning |\n|---|---|---|\n")
	require.True(t, ok, "README has the configuration table")
	table, _, _ := strings.Cut(rest, "\n\n")
	out := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, " | ")
		require.GreaterOrEqual(t, len(cells), 3, "README configuration row %q", line)
		def := ""
		if d := strings.TrimSpace(cells[1]); strings.HasPrefix(d, "`") {
			def = strings.Trim(d, "`")
		}
		names := readmeVar.FindAllStringSubmatch(cells[0], -1)
		require.NotEmpty(t, names, "README configuration row %q names no variable", line)
		for _, m := range names {
			out[m[1]] = def
		}
	}
	return out
}

// TestREADME_ConfigurationTableMatchesConfig keeps the README's
// configuration table and the Config struct in step: the same variables,
// with the same defaults.
func TestREADME_ConfigurationTableMatchesConfig(t *testing.T) {
	inCode := configVars(t, reflect.TypeFor[Config]())
	inREADME := readmeConfigVars(t)
	for name, def := range inCode {
		got, ok := inREADME[name]
		if !ok {
			t.Errorf("%s (default %q) is in Config but not in the README's configuration table", name, def)
			continue
		}
		if got != def {
			t.Errorf("%s: README default %q, Config default %q", name, got, def)
		}
	}
	for name := range inREADME {
		if _, ok := inCode[name]; !ok {
			t.Errorf("%s is in the README's configuration table but not in Config", name)
		}
	}
}
