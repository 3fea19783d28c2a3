package dispatcher

import "errors"

// ErrCredentialsRejected is reported by Worker.Ready while the provider
// rejects chatq's credentials.
var ErrCredentialsRejected = errors.New("dispatcher: credentials rejected")
