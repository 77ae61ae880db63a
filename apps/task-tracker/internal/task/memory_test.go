package task

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newStore(max int) *Memory { return NewMemory(max, func() time.Time { return epoch }) }

func TestCreateGetUpdateDelete(t *testing.T) {
	s := newStore(10)
	created, err := s.Create(ctx, Draft{Title: "write report"})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID != "1" || created.Status != Pending || !created.CreatedAt.Equal(epoch) {
		t.Fatalf("unexpected task %+v", created)
	}
	got, err := s.Get(ctx, "1")
	if err != nil || got != created {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	updated, err := s.Update(ctx, "1", Draft{Title: "write the report", Description: "by Friday"})
	if err != nil || updated.Title != "write the report" || updated.Description != "by Friday" || updated.Status != Pending {
		t.Fatalf("Update = %+v, %v", updated, err)
	}
	if err := s.Delete(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after delete: %v", err)
	}
	if err := s.Delete(ctx, "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := s.Update(ctx, "1", Draft{Title: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update after delete: %v", err)
	}
}

func TestListKeepsCreationOrderAndFilters(t *testing.T) {
	s := newStore(20)
	for i := 1; i <= 12; i++ {
		if _, err := s.Create(ctx, Draft{Title: fmt.Sprintf("t%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, task := range list(s, "") {
		ids = append(ids, task.ID)
	}
	if got := strings.Join(ids, ","); got != "1,2,3,4,5,6,7,8,9,10,11,12" {
		t.Fatalf("order %s", got)
	}
	claimed, _, _ := s.Claim(ctx)
	if got := list(s, Processing); len(got) != 1 || got[0].ID != claimed.ID {
		t.Fatalf("List(processing) = %+v", got)
	}
	if got := len(list(s, Pending)); got != 11 {
		t.Fatalf("List(pending) has %d tasks", got)
	}
}

func TestCapacity(t *testing.T) {
	s := newStore(2)
	s.Create(ctx, Draft{Title: "a"})
	s.Create(ctx, Draft{Title: "b"})
	if _, err := s.Create(ctx, Draft{Title: "c"}); !errors.Is(err, ErrFull) {
		t.Fatalf("third Create: %v", err)
	}
	s.Delete(ctx, "1")
	if _, err := s.Create(ctx, Draft{Title: "c"}); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
}

func TestClaimAndFinish(t *testing.T) {
	s := newStore(10)
	s.Create(ctx, Draft{Title: "a"})
	s.Create(ctx, Draft{Title: "b"})
	s.Create(ctx, Draft{Title: "c"})
	s.Delete(ctx, "1")
	if pending(s) != 2 {
		t.Fatalf("Pending = %d", pending(s))
	}
	claimed, ok, _ := s.Claim(ctx)
	if !ok || claimed.ID != "2" || claimed.Status != Processing {
		t.Fatalf("Claim skipped the deleted task wrongly: %+v %v", claimed, ok)
	}
	if pending(s) != 1 {
		t.Fatalf("Pending after claim = %d", pending(s))
	}
	if _, err := s.Finish(ctx, "3", Done); err == nil {
		t.Fatal("finishing a pending task must fail")
	}
	if _, err := s.Finish(ctx, "2", Processing); err == nil {
		t.Fatal("processing is not an outcome")
	}
	finished, err := s.Finish(ctx, "2", Failed)
	if err != nil || finished.Status != Failed {
		t.Fatalf("Finish = %+v, %v", finished, err)
	}
	s.Claim(ctx)
	if _, ok, _ := s.Claim(ctx); ok {
		t.Fatal("Claim on an empty queue returned a task")
	}
}

func TestConcurrentClaimsHandOutEachTaskOnce(t *testing.T) {
	s := newStore(1000)
	for range 500 {
		s.Create(ctx, Draft{Title: "t"})
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				task, ok, _ := s.Claim(ctx)
				if !ok {
					return
				}
				mu.Lock()
				seen[task.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 500 {
		t.Fatalf("claimed %d distinct tasks, want 500", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("task %s claimed %d times", id, n)
		}
	}
}

func TestDraftNormalize(t *testing.T) {
	d, err := Draft{Title: "  trim me  "}.Normalize()
	if err != nil || d.Title != "trim me" {
		t.Fatalf("Normalize = %+v, %v", d, err)
	}
	_, err = Draft{Title: "   ", Description: strings.Repeat("é", MaxDescriptionLength+1)}.Normalize()
	var fields FieldErrors
	if !errors.As(err, &fields) || fields["title"] != "is required" || !strings.HasPrefix(fields["description"], "must be at most 2000") {
		t.Fatalf("Normalize errors = %v", err)
	}
	if _, err := (Draft{Title: strings.Repeat("é", MaxTitleLength)}).Normalize(); err != nil {
		t.Fatalf("a title of exactly %d characters is valid: %v", MaxTitleLength, err)
	}
}

func TestParseStatus(t *testing.T) {
	if s, err := ParseStatus("done"); err != nil || s != Done {
		t.Fatalf("ParseStatus(done) = %q, %v", s, err)
	}
	if _, err := ParseStatus("Done"); err == nil {
		t.Fatal("statuses are case-sensitive")
	}
}

func list(s *Memory, status Status) []Task {
	tasks, _ := s.List(ctx, status)
	return tasks
}

func pending(s *Memory) int {
	n, _ := s.Pending(ctx)
	return n
}
