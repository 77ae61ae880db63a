package httpapi

import (
	"fmt"
	"net/http"
	"time"
)

const maxDelay = 30 * time.Second

// delay holds the request open for ?duration= (at most maxDelay), so tests can have a request in flight on demand.
func delay(w http.ResponseWriter, r *http.Request) {
	d, err := time.ParseDuration(r.URL.Query().Get("duration"))
	if err != nil || d < 0 || d > maxDelay {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("query parameter duration must be a duration from 0s to %s", maxDelay))
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
		return
	case <-timer.C:
	}
	writeJSON(w, http.StatusOK, map[string]string{"delayed": d.String()})
}
