package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

const maxBodyBytes = 64 << 10

type errorBody struct {
	Error  string           `json:"error"`
	Fields task.FieldErrors `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The client may be gone; there is nobody left to tell about a failed write.
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorBody{Error: message})
}

// readDraft decodes and normalizes the request's task; on failure it has already written the error response.
func readDraft(w http.ResponseWriter, r *http.Request) (task.Draft, bool) {
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return task.Draft{}, false
	}
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	decoder.DisallowUnknownFields()
	var draft task.Draft
	if err := decoder.Decode(&draft); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", maxBodyBytes))
		} else {
			writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		}
		return task.Draft{}, false
	}
	if err := decoder.Decode(&struct{}{}); err != io.EOF {
		writeError(w, http.StatusBadRequest, "invalid JSON body: expected a single object")
		return task.Draft{}, false
	}
	draft, err := draft.Normalize()
	if err != nil {
		var fields task.FieldErrors
		errors.As(err, &fields)
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: "invalid task", Fields: fields})
		return task.Draft{}, false
	}
	return draft, true
}
