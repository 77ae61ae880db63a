package events

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Kafka publishes events with franz-go's idempotent producer. The client's own record buffer is the bounded buffer:
// TryProduce fails a record at once when MaxBufferedRecords are waiting instead of blocking like Produce, and a
// record that Kafka has not acknowledged within DeliveryTimeout fails too; both are counted as dropped, by reason.
// A buffer_full record was never sent; a delivery_failed one may still have been written by the broker.
type Kafka struct {
	client    *kgo.Client
	log       *slog.Logger
	published prometheus.Counter
	dropped   *prometheus.CounterVec
}

// Reasons for a dropped event, the values of the reason label.
const (
	DropBufferFull = "buffer_full"
	DropDelivery   = "delivery_failed"
)

// NewKafka builds the producer; it connects lazily, so a broker that is down at start changes nothing but drops.
func NewKafka(cfg Config, log *slog.Logger) (*Kafka, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.BrokerList()...),
		kgo.DefaultProduceTopic(cfg.Topic),
		// Idempotent writes are franz-go's default (kgo.DisableIdempotentWrite turns them off); they need acks from
		// every in-sync replica, also the default, spelt out because the retries after an outage rely on it.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.MaxBufferedRecords(cfg.Buffer),
		kgo.RecordDeliveryTimeout(cfg.DeliveryTimeout),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.ProducerBatchCompression(kgo.ZstdCompression(), kgo.NoCompression()),
		kgo.ClientID("task-tracker"),
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TASK_EVENTS_CA_FILE=%q: %w", cfg.CAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TASK_EVENTS_CA_FILE=%q: no PEM certificate in it", cfg.CAFile)
		}
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	}
	if cfg.Username != "" {
		password, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("TASK_EVENTS_PASSWORD_FILE=%q: %w", cfg.PasswordFile, err)
		}
		auth := scram.Auth{User: cfg.Username, Pass: strings.TrimSpace(string(password))}
		opts = append(opts, kgo.SASL(auth.AsSha512Mechanism()))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("task events producer: %w", err)
	}
	k := &Kafka{
		client: client,
		log:    log,
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "task_tracker_events_published_total",
			Help: "Task events Kafka acknowledged.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "task_tracker_events_dropped_total",
			Help: "Task events not acknowledged, by reason: buffer_full (never sent, the bounded buffer was full) " +
				"or delivery_failed (not acknowledged in time; Kafka may still have written it).",
		}, []string{"reason"}),
	}
	for _, reason := range []string{DropBufferFull, DropDelivery} {
		k.dropped.WithLabelValues(reason)
	}
	return k, nil
}

// Collectors are the producer's metrics, for the service's registry.
func (k *Kafka) Collectors() []prometheus.Collector {
	return []prometheus.Collector{k.published, k.dropped}
}

func (k *Kafka) Publish(e Event) {
	value, err := json.Marshal(e)
	if err != nil { // an Event always marshals; this guards the contract, it is never expected
		k.dropped.WithLabelValues(DropDelivery).Inc()
		return
	}
	record := &kgo.Record{Key: []byte(e.TaskID), Value: value, Timestamp: e.Time}
	k.client.TryProduce(context.Background(), record, func(_ *kgo.Record, err error) {
		switch {
		case err == nil:
			k.published.Inc()
		case errors.Is(err, kgo.ErrMaxBuffered):
			k.dropped.WithLabelValues(DropBufferFull).Inc()
		default:
			k.dropped.WithLabelValues(DropDelivery).Inc()
			k.log.Debug("task event not delivered", "id", e.ID, "error", err.Error())
		}
	})
}

// Close waits up to timeout for buffered events, then drops (and counts) the rest.
func (k *Kafka) Close(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := k.client.Flush(ctx); err != nil {
		k.log.Warn("task events left unpublished at shutdown", "buffered", k.client.BufferedProduceRecords())
	}
	k.client.Close()
}
