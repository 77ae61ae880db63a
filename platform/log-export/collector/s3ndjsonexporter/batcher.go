package s3ndjsonexporter

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// batcher gathers the records of concurrent push calls into one object per key prefix. An open object is written
// when it holds maxBytes of NDJSON, when its first record is maxAge old, when every queue consumer is waiting on an
// open object (no more records can arrive until one is written), or at shutdown.
//
// A push returns only after every object holding its records is written, or with that write's error. The sending
// queue deletes a request only when its push returns nil, so a crash, an outage or a restart loses nothing: the
// request is still in the persistent queue and is pushed again.
type batcher struct {
	maxBytes int
	maxAge   time.Duration
	// consumers is how many push calls can run at once (the queue's num_consumers); 0 means no such bound.
	consumers int
	write     func(prefix string, ndjson []byte) error

	mu      sync.Mutex
	open    map[string]*object
	waiting int
	closed  bool
}

type object struct {
	prefix string
	ndjson bytes.Buffer
	timer  *time.Timer
	// done is closed once the object is written (err nil) or failed (err set).
	done chan struct{}
	err  error
}

func newBatcher(maxBytes int, maxAge time.Duration, consumers int, write func(string, []byte) error) *batcher {
	return &batcher{maxBytes: maxBytes, maxAge: maxAge, consumers: consumers, write: write, open: map[string]*object{}}
}

// add appends each prefix's NDJSON to that prefix's open object and waits until all of them are written.
func (b *batcher) add(ctx context.Context, parts map[string]*bytes.Buffer) error {
	prefixes := make([]string, 0, len(parts))
	for p := range parts {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)

	b.mu.Lock()
	mine := make([]*object, 0, len(prefixes))
	var ready []*object
	for _, prefix := range prefixes {
		o := b.open[prefix]
		if o == nil {
			o = &object{prefix: prefix, done: make(chan struct{})}
			o.timer = time.AfterFunc(b.maxAge, func() { b.flushIfOpen(o) })
			b.open[prefix] = o
		}
		o.ndjson.Write(parts[prefix].Bytes())
		mine = append(mine, o)
		if b.closed || o.ndjson.Len() >= b.maxBytes {
			ready = append(ready, b.detach(o))
		}
	}
	b.waiting++
	if b.consumers > 0 && b.waiting >= b.consumers {
		if o := b.largest(); o != nil {
			ready = append(ready, b.detach(o))
		}
	}
	b.mu.Unlock()

	for _, o := range ready {
		go b.finish(o)
	}
	err := wait(ctx, mine)
	b.mu.Lock()
	b.waiting--
	b.mu.Unlock()
	return err
}

// close writes every open object now, and from now on each push is written at once: nothing waits out maxAge
// while the collector shuts down. Objects that fail then are pushed again from the persistent queue after restart.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	ready := make([]*object, 0, len(b.open))
	for _, o := range b.open {
		ready = append(ready, b.detach(o))
	}
	b.mu.Unlock()
	for _, o := range ready {
		go b.finish(o)
	}
}

func (b *batcher) flushIfOpen(o *object) {
	b.mu.Lock()
	open := b.open[o.prefix] == o
	if open {
		b.detach(o)
	}
	b.mu.Unlock()
	if open {
		b.finish(o)
	}
}

// detach takes o out of the open objects, so no more records join it; b.mu must be held.
func (b *batcher) detach(o *object) *object {
	delete(b.open, o.prefix)
	o.timer.Stop()
	return o
}

// largest is the open object with the most NDJSON, or nil; b.mu must be held.
func (b *batcher) largest() *object {
	var big *object
	for _, o := range b.open {
		if big == nil || o.ndjson.Len() > big.ndjson.Len() {
			big = o
		}
	}
	return big
}

func (b *batcher) finish(o *object) {
	o.err = b.write(o.prefix, o.ndjson.Bytes())
	close(o.done)
}

func wait(ctx context.Context, objects []*object) error {
	var errs []error
	for _, o := range objects {
		select {
		case <-o.done:
			errs = append(errs, o.err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}
