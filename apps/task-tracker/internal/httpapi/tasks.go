package httpapi

import (
	"errors"
	"net/http"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

type taskHandlers struct {
	store   task.Store
	metrics *metrics.Metrics
}

type taskList struct {
	Tasks []task.Task `json:"tasks"`
}

// storeError answers for a store that failed: 404 for a missing task, 503 for a full or unreachable store. The
// database's own message stays out of the response; the request's log line (5xx at error) has the status.
func storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, task.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, task.ErrFull):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "task store unavailable, try again")
	}
}

func (h *taskHandlers) create(w http.ResponseWriter, r *http.Request) {
	draft, ok := readDraft(w, r)
	if !ok {
		return
	}
	created, err := h.store.Create(r.Context(), draft)
	if err != nil {
		storeError(w, err)
		return
	}
	h.metrics.TaskCreated()
	w.Header().Set("Location", "/tasks/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

func (h *taskHandlers) list(w http.ResponseWriter, r *http.Request) {
	var status task.Status
	if s := r.URL.Query().Get("status"); s != "" {
		var err error
		if status, err = task.ParseStatus(s); err != nil {
			writeError(w, http.StatusBadRequest, "query parameter status: "+err.Error())
			return
		}
	}
	tasks, err := h.store.List(r.Context(), status)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, taskList{Tasks: tasks})
}

func (h *taskHandlers) get(w http.ResponseWriter, r *http.Request) {
	found, err := h.store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, found)
}

func (h *taskHandlers) update(w http.ResponseWriter, r *http.Request) {
	draft, ok := readDraft(w, r)
	if !ok {
		return
	}
	updated, err := h.store.Update(r.Context(), r.PathValue("id"), draft)
	if err != nil {
		storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, updated)
}

func (h *taskHandlers) remove(w http.ResponseWriter, r *http.Request) {
	if err := h.store.Delete(r.Context(), r.PathValue("id")); err != nil {
		storeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
