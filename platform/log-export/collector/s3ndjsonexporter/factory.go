// Package s3ndjsonexporter writes log records and metric samples as gzip NDJSON objects to S3, batched per key
// partition.
package s3ndjsonexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

var typeStr = component.MustNewType("s3ndjson")

func NewFactory() exporter.Factory {
	return exporter.NewFactory(typeStr, createDefaultConfig, exporter.WithLogs(createLogs, component.StabilityLevelBeta),
		exporter.WithMetrics(createMetrics, component.StabilityLevelBeta))
}

func createDefaultConfig() component.Config {
	return &Config{
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 30 * time.Second},
		QueueConfig:   exporterhelper.NewDefaultQueueConfig(),
		BackOffConfig: configretry.NewDefaultBackOffConfig(),
		Flush:         FlushConfig{MaxAge: time.Minute, MaxBytes: 8 << 20},
	}
}

// options are the exporterhelper settings both signals share.
func options(e *s3Exporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{}),
		exporterhelper.WithRetry(e.config.BackOffConfig),
		exporterhelper.WithQueue(e.config.QueueConfig),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	e := newS3Exporter(cfg.(*Config))
	logs, err := exporterhelper.NewLogs(ctx, set, cfg, e.push, options(e)...)
	if err != nil {
		return nil, err
	}
	return &flushOnShutdown{Logs: logs, batcher: e.batcher}, nil
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	e := newS3Exporter(cfg.(*Config))
	metrics, err := exporterhelper.NewMetrics(ctx, set, cfg, e.pushMetrics, options(e)...)
	if err != nil {
		return nil, err
	}
	return &flushMetricsOnShutdown{Metrics: metrics, batcher: e.batcher}, nil
}

// flushOnShutdown writes the open objects before the exporterhelper shuts down: that shutdown waits for the queue
// consumers, which wait in push for their objects.
type flushOnShutdown struct {
	exporter.Logs
	batcher *batcher
}

func (f *flushOnShutdown) Shutdown(ctx context.Context) error {
	f.batcher.close()
	return f.Logs.Shutdown(ctx)
}

type flushMetricsOnShutdown struct {
	exporter.Metrics
	batcher *batcher
}

func (f *flushMetricsOnShutdown) Shutdown(ctx context.Context) error {
	f.batcher.close()
	return f.Metrics.Shutdown(ctx)
}
