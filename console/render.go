package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// pageNames are the templates/<name>.html files; each defines "content"
// and is rendered inside layout.html.
var pageNames = []string{"overview", "deadletters", "record", "edit", "result", "audit", "policy", "error"}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ago": func(now, t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return now.Sub(t).Round(time.Second).String()
	},
	"join":   strings.Join,
	"filter": filterText,
	"pct": func(n, of int64) string {
		if of == 0 {
			return "0"
		}
		return fmt.Sprintf("%.0f", 100*float64(n)/float64(of))
	},
}

func parsePages() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// view is what every page gets: the layout's fields and the page's Data.
type view struct {
	Title    string
	Nav      string // the active tab
	Prefix   string
	ReadOnly bool
	Asynqmon string
	CSRF     string
	Now      time.Time
	Data     any
}

// render executes a page into a buffer first, so a template error is a
// clean 500 instead of half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name, nav, title string, data any) {
	v := view{Title: title, Nav: nav, Prefix: c.cfg.Prefix, ReadOnly: c.cfg.ReadOnly, Asynqmon: c.cfg.AsynqmonPath, CSRF: formToken(r),
		Now: c.cfg.Now(), Data: data}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.cfg.Logger.Error("console: rendering a page", "page", name, "err", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders the error page: the message says what went wrong and, for
// bad input, which field and rule.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, nav string, err error) {
	c.render(w, r, status, "error", nav, http.StatusText(status), err.Error())
}

// withQuery returns path?q, for links that keep the filter.
func withQuery(path string, q url.Values) string {
	if enc := q.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}
