package dispatcher

import "errors"

// ErrCredentialsRejected is reported by Worker.Ready while the provider
// rejects chatq's credentials.
var ErrCredentialsRejected = errors.New("dispatcher: credentials rejected")

// ErrCredentialsUnchecked is reported by Worker.Ready until the start check
// of the credentials (Config.CheckCredentials) has run.
var ErrCredentialsUnchecked = errors.New("dispatcher: credentials not checked yet")
