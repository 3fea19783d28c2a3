package cli

import (
	"fmt"

	"github.com/chatq/chatq/deadletter"
)

// truncatedRows adds what `dlq show` says about a record that keeps only
// the first bytes of its payload (a payload refused for its size, or
// invalid and large): the whole payload's size and SHA-256, and that it
// cannot be replayed.
func truncatedRows(row func(k, v string), r deadletter.Record) {
	if !r.PayloadTruncated() {
		return
	}
	row("payload size", fmt.Sprintf("%d bytes; only the first %d are kept, so it cannot be replayed",
		r.PayloadSize, len(r.PayloadBytes())))
	row("payload sha256", r.PayloadSHA256)
}

// rawPayloadNote says what a payload shown as a quoted string is.
func rawPayloadNote(r deadletter.Record) string {
	if r.PayloadTruncated() {
		return fmt.Sprintf("the first %d bytes", len(r.PayloadBytes()))
	}
	return "not JSON"
}
