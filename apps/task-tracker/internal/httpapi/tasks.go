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

func (h *taskHandlers) create(w http.ResponseWriter, r *http.Request) {
	draft, ok := readDraft(w, r)
	if !ok {
		return
	}
	created, err := h.store.Create(draft)
	if errors.Is(err, task.ErrFull) {
		writeError(w, http.StatusServiceUnavailable, err.Error())
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
	writeJSON(w, http.StatusOK, taskList{Tasks: h.store.List(status)})
}

func (h *taskHandlers) get(w http.ResponseWriter, r *http.Request) {
	found, err := h.store.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, found)
}

func (h *taskHandlers) update(w http.ResponseWriter, r *http.Request) {
	draft, ok := readDraft(w, r)
	if !ok {
		return
	}
	updated, err := h.store.Update(r.PathValue("id"), draft)
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, updated)
}

func (h *taskHandlers) remove(w http.ResponseWriter, r *http.Request) {
	if err := h.store.Delete(r.PathValue("id")); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
