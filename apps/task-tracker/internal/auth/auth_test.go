package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func keysFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func line(client, token string) string {
	sum := sha256.Sum256([]byte(token))
	return client + ":" + hex.EncodeToString(sum[:]) + "\n"
}

func TestLoadKeysRejectsBadLinesNamingTheLine(t *testing.T) {
	cases := map[string]struct{ text, message string }{
		"no digest":  {"ci\n", "line 1: want <client>:<64 hex digits"},
		"short":      {"# keys\nci:abcd\n", "line 2: want <client>"},
		"twice":      {line("ci", "a") + line("ci", "b"), `line 2: client "ci" has a key already`},
		"no key":     {"# nothing\n", "holds no key"},
		"raw token":  {"ci:" + strings.Repeat("z", 64) + "\n", "line 1"},
		"empty name": {line("", "a"), "line 1"},
	}
	for label, c := range cases {
		t.Run(label, func(t *testing.T) {
			_, err := LoadKeys(keysFile(t, c.text))
			if err == nil || !strings.Contains(err.Error(), "API_KEYS_FILE=") || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("want an error naming API_KEYS_FILE with %q, got %v", c.message, err)
			}
		})
	}
	if _, err := LoadKeys(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing keys file was accepted")
	}
}

func TestGuardAnswers401Then403Then429(t *testing.T) {
	keys, err := LoadKeys(keysFile(t, line("ci", "s3cret")+line("ops", "other")))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(0, 0)
	guard := NewGuard(keys, 2, func() time.Time { return clock })
	served := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
	handler := guard.Wrap(http.HandlerFunc(served))
	call := func(auth string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/tasks", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		handler.ServeHTTP(rec, req)
		return rec
	}
	for _, auth := range []string{"", "Basic czNjcmV0", "Bearer "} {
		if rec := call(auth); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("%q: got %d, want 401 with WWW-Authenticate", auth, rec.Code)
		}
	}
	if rec := call("Bearer wrong"); rec.Code != http.StatusForbidden {
		t.Fatalf("wrong token: got %d, want 403", rec.Code)
	}
	for i := 0; i < 2; i++ {
		if rec := call("Bearer s3cret"); rec.Code != http.StatusNoContent {
			t.Fatalf("request %d: got %d", i, rec.Code)
		}
	}
	rec := call("Bearer s3cret")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "30" {
		t.Fatalf("over the limit: got %d Retry-After %q, want 429 after 30", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := call("bearer other"); rec.Code != http.StatusNoContent {
		t.Fatalf("another client has its own budget: got %d", rec.Code)
	}
	clock = clock.Add(30 * time.Second)
	if rec := call("Bearer s3cret"); rec.Code != http.StatusNoContent {
		t.Fatalf("after the refill: got %d", rec.Code)
	}
}
