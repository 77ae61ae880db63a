package s3ndjsonexporter

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records what the batcher uploads; fail makes every upload return that error.
type writes struct {
	mu      sync.Mutex
	objects []string
	fail    error
}

func (w *writes) write(prefix string, ndjson []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.objects = append(w.objects, prefix+":"+string(ndjson))
	return w.fail
}

func (w *writes) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.objects...)
	sort.Strings(out)
	return out
}

func parts(kv ...string) map[string]*bytes.Buffer {
	out := map[string]*bytes.Buffer{}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = bytes.NewBufferString(kv[i+1])
	}
	return out
}

// push runs b.add in the background and waits until it has joined its objects.
func push(t *testing.T, b *batcher, p map[string]*bytes.Buffer) <-chan error {
	t.Helper()
	b.mu.Lock()
	before := b.waiting
	b.mu.Unlock()
	done := make(chan error, 1)
	go func() { done <- b.add(context.Background(), p) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		joined := b.waiting > before
		b.mu.Unlock()
		select {
		case err := <-done:
			done <- err
			return done
		default:
		}
		if joined {
			return done
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("push did not join the batcher")
	return nil
}

func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("push still waiting")
		return nil
	}
}

func pending(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("push returned (%v) before its object was written", err)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestConcurrentPushesShareOneObjectPerPrefixUntilMaxBytes(t *testing.T) {
	w := &writes{}
	b := newBatcher(10, time.Hour, 0, w.write)
	first := push(t, b, parts("logs/a", "12345\n"))
	second := push(t, b, parts("logs/b", "x\n"))
	pending(t, first)
	third := push(t, b, parts("logs/a", "6789\n"))
	if err := result(t, first); err != nil {
		t.Fatal(err)
	}
	if err := result(t, third); err != nil {
		t.Fatal(err)
	}
	pending(t, second)
	if got := w.all(); len(got) != 1 || got[0] != "logs/a:12345\n6789\n" {
		t.Fatalf("objects %q, want logs/a with both pushes' lines", got)
	}
	b.close()
	if err := result(t, second); err != nil {
		t.Fatal(err)
	}
}

func TestAnObjectIsWrittenWhenItsFirstRecordIsMaxAgeOld(t *testing.T) {
	w := &writes{}
	b := newBatcher(1<<20, 100*time.Millisecond, 0, w.write)
	started := time.Now()
	if err := b.add(context.Background(), parts("logs/a", "1\n")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(started); took < 100*time.Millisecond || took > 2*time.Second {
		t.Fatalf("push returned after %s, want just over max_age 100ms", took)
	}
	if got := w.all(); len(got) != 1 {
		t.Fatalf("objects %q, want one", got)
	}
}

func TestWhenEveryConsumerWaitsTheLargestObjectIsWritten(t *testing.T) {
	w := &writes{}
	b := newBatcher(1<<20, time.Hour, 3, w.write)
	small := push(t, b, parts("logs/small", "s\n"))
	large := push(t, b, parts("logs/large", "llll\n"))
	pending(t, small)
	pending(t, large)
	larger := push(t, b, parts("logs/large", "llll\n"))
	for _, done := range []<-chan error{large, larger} {
		if err := result(t, done); err != nil {
			t.Fatal(err)
		}
	}
	pending(t, small)
	if got := w.all(); len(got) != 1 || !strings.HasPrefix(got[0], "logs/large:") {
		t.Fatalf("objects %q, want only logs/large", got)
	}
	b.close()
	if err := result(t, small); err != nil {
		t.Fatal(err)
	}
}

func TestAPushSpanningPrefixesWaitsForEachOfItsObjects(t *testing.T) {
	w := &writes{}
	b := newBatcher(4, time.Hour, 0, w.write)
	both := push(t, b, parts("logs/a", "aa\n", "logs/b", "b\n"))
	if err := result(t, push(t, b, parts("logs/a", "a\n"))); err != nil {
		t.Fatal(err)
	}
	pending(t, both)
	if err := result(t, push(t, b, parts("logs/b", "bbb\n"))); err != nil {
		t.Fatal(err)
	}
	if err := result(t, both); err != nil {
		t.Fatal(err)
	}
	if got := w.all(); len(got) != 2 {
		t.Fatalf("objects %q, want one per prefix", got)
	}
}

func TestAFailedObjectFailsEveryPushInIt(t *testing.T) {
	w := &writes{fail: errors.New("S3 is down")}
	b := newBatcher(6, time.Hour, 0, w.write)
	first := push(t, b, parts("logs/a", "111\n"))
	second := push(t, b, parts("logs/a", "222\n"))
	for _, done := range []<-chan error{first, second} {
		if err := result(t, done); err == nil || !strings.Contains(err.Error(), "S3 is down") {
			t.Fatalf("push returned %v, want the upload error so the queue keeps the request", err)
		}
	}
}

func TestCloseWritesOpenObjectsAndThenEveryPushAtOnce(t *testing.T) {
	w := &writes{}
	b := newBatcher(1<<20, time.Hour, 0, w.write)
	open := push(t, b, parts("logs/a", "1\n"))
	pending(t, open)
	b.close()
	if err := result(t, open); err != nil {
		t.Fatal(err)
	}
	if err := result(t, push(t, b, parts("logs/a", "2\n"))); err != nil {
		t.Fatal(err)
	}
	if got := w.all(); len(got) != 2 {
		t.Fatalf("objects %q, want the open one and the late push", got)
	}
}

func TestAPushReturnsWhenItsContextEnds(t *testing.T) {
	b := newBatcher(1<<20, time.Hour, 0, (&writes{}).write)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.add(ctx, parts("logs/a", "1\n")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	b.close()
}
