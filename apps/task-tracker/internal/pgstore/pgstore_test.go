package pgstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// The queries run against a real PostgreSQL in apps/task-tracker/shared-state.test.ts; these cover what needs none.

func TestIDsNoTaskCanHaveAreNotFound(t *testing.T) {
	for _, id := range []string{"", "0", "-1", "01", "1e3", "abc", "99999999999999999999"} {
		if _, err := parseID(id); !errors.Is(err, task.ErrNotFound) {
			t.Errorf("parseID(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if n, err := parseID("42"); err != nil || n != 42 {
		t.Fatalf("parseID(42) = %d, %v", n, err)
	}
}

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	list, err := loadMigrations()
	if err != nil || len(list) == 0 {
		t.Fatalf("loadMigrations = %v, %v", list, err)
	}
	for i, m := range list {
		if m.version != i+1 || !strings.Contains(m.sql, ";") {
			t.Fatalf("migration %d is %s (version %d)", i+1, m.name, m.version)
		}
	}
}

func TestOpenNeverQuotesTheConnectionString(t *testing.T) {
	_, err := Open("postgres://tt:hunter2@[::1", Options{MaxConns: 1})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("Open error %v", err)
	}
}
