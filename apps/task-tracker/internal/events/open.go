package events

import (
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// flushTimeout bounds how long a stopping process waits for buffered events; it fits in the pod's grace period.
const flushTimeout = 5 * time.Second

// Open returns store unchanged when publishing is off; otherwise store wrapped to publish through a Kafka producer
// whose metrics go to register, and close flushes that producer (call it once the worker has stopped).
func Open(cfg Config, store task.Store, register func(...prometheus.Collector), log *slog.Logger) (
	tasks task.Store, close func(), err error,
) {
	if !cfg.Enabled() {
		return store, func() {}, nil
	}
	producer, err := NewKafka(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	register(producer.Collectors()...)
	name, err := os.Hostname()
	if err != nil {
		name = "task-tracker"
	}
	log.Info("publishing task events", "brokers", cfg.Brokers, "topic", cfg.Topic, "buffer", cfg.Buffer)
	return Wrap(store, producer, name, time.Now), func() { producer.Close(flushTimeout) }, nil
}
