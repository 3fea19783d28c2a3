package agora

import (
	"context"
	"fmt"
	"net/url"

	"github.com/chatq/chatq/tasks"
)

// RestCall makes the generic call p describes: p.Method to
// {base}/{org}/{app}/{p.Path}, with p.JSON as application/json or p.Form
// as application/x-www-form-urlencoded. The path is checked again here
// (tasks.RestCall.Validate: relative, plain segments, no dot segment,
// query, fragment or percent-encoding), so no caller can make the client
// leave the app's prefix; a refused payload wraps ErrInvalidInput and
// sends nothing. Any 2xx is success: what a 200 of an arbitrary call
// means is not known here, and its body is not read.
func (c *Client) RestCall(ctx context.Context, tok Token, p tasks.RestCall) error {
	if err := p.Validate(tasks.Limits{}); err != nil {
		return fmt.Errorf("agora: rest call: %w: %w", ErrInvalidInput, err)
	}
	r := request{method: p.Method, path: "/" + p.Path, token: tok}
	switch {
	case p.Form != nil:
		r.form = url.Values{}
		for k, v := range p.Form {
			r.form.Set(k, v)
		}
	case len(p.JSON) > 0 && string(p.JSON) != "null":
		r.body = p.JSON
	}
	return c.do(ctx, r)
}
