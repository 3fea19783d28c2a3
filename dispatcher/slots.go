package dispatcher

// Slots is how many tasks a worker with this configuration runs at once,
// defaults applied: Concurrency, times the queues in QueueModeDedicated,
// where each queue has its own asynq server and Concurrency slots. It
// sizes the provider connection pool.
func (c Config) Slots() int {
	c = c.withDefaults()
	if c.QueueMode == QueueModeDedicated {
		return c.Concurrency * len(c.Queues)
	}
	return c.Concurrency
}
