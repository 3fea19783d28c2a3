package tasks

import "encoding/json"

// Check runs every check Enqueue runs — the Client's configuration, each
// option, the payload's decoding and validation, the deadline — without
// enqueuing anything or touching Redis, so a caller can check a whole batch
// before its first enqueue (chatq enqueue -f does). A task that passes can
// still fail to enqueue: Redis may not answer, or a deadline close to now
// may pass in between.
func (c *Client) Check(taskType string, payload json.RawMessage, opts ...Option) error {
	_, err := c.Prepare(taskType, payload, opts...)
	return err
}
