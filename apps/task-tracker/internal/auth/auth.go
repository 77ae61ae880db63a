// Package auth guards the task API: every request carries a bearer token whose SHA-256 digest is one of the keys
// file's, and each client (the key's name) gets a bounded number of requests a minute.
package auth

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Key is one client's credential: the digest of its token, so the keys file (a SOPS Secret) never holds a token.
type Key struct {
	Client string
	Digest [sha256.Size]byte
}

// LoadKeys reads `<client>:<sha256 hex of the token>` lines; blank lines and `#` comments are skipped.
func LoadKeys(path string) ([]Key, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("API_KEYS_FILE=%q: %w", path, err)
	}
	defer file.Close()
	var keys []Key
	seen := map[string]bool{}
	scanner := bufio.NewScanner(file)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		client, digest, ok := strings.Cut(text, ":")
		raw, err := hex.DecodeString(digest)
		if !ok || client == "" || err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("API_KEYS_FILE=%q line %d: want <client>:<64 hex digits of the token's SHA-256>", path, line)
		}
		if seen[client] {
			return nil, fmt.Errorf("API_KEYS_FILE=%q line %d: client %q has a key already", path, line, client)
		}
		seen[client] = true
		key := Key{Client: client}
		copy(key.Digest[:], raw)
		keys = append(keys, key)
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("API_KEYS_FILE=%q: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("API_KEYS_FILE=%q holds no key: the API would refuse every client", path)
	}
	return keys, nil
}

// Guard answers 401 without a bearer token, 403 for a token that is no key's, and 429 once the key's client has made
// perMinute requests within the minute; otherwise it passes the request on.
type Guard struct {
	keys    []Key
	limiter *Limiter
}

func NewGuard(keys []Key, perMinute int, now func() time.Time) *Guard {
	return &Guard{keys: keys, limiter: NewLimiter(perMinute, now)}
}

func (g *Guard) client(token string) (string, bool) {
	digest := sha256.Sum256([]byte(token))
	found := ""
	// Every key is compared, in constant time, so the time taken tells nothing about which key came close.
	for _, k := range g.keys {
		if subtle.ConstantTimeCompare(digest[:], k.Digest[:]) == 1 {
			found = k.Client
		}
	}
	return found, found != ""
}

func deny(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", message)
}

func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="task-tracker"`)
			deny(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		client, known := g.client(token)
		if !known {
			deny(w, http.StatusForbidden, "the token is not a key of this service")
			return
		}
		if wait, allowed := g.limiter.Take(client); !allowed {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
			deny(w, http.StatusTooManyRequests, "rate limit exceeded for this client")
			return
		}
		next.ServeHTTP(w, r)
	})
}
