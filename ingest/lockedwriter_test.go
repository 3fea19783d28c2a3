package ingest_test

import (
	"bytes"
	"sync"
)

// lockedWriter lets the server's logger write from many requests while
// the test reads.
type lockedWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
