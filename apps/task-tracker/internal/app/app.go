// Package app runs the service: it wires the store, worker and HTTP servers, then shuts them down in order.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/auth"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/config"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/httpapi"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/worker"
)

// Run serves until ctx is cancelled (SIGTERM), then shuts down gracefully:
//  1. /readyz fails, and the API keeps serving for cfg.ShutdownDrainDelay while endpoints stop routing here;
//  2. the API stops accepting connections and in-flight requests get cfg.ShutdownTimeout to finish;
//  3. the worker stops, and last the metrics server, so the shutdown itself can still be scraped.
//
// It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg config.Config, keys []auth.Key, build metrics.Build, log *slog.Logger) error {
	store := task.NewMemory(cfg.MaxTasks, time.Now)
	m := metrics.New(build, func() float64 { return float64(store.Pending()) })
	var ready atomic.Bool

	guard := auth.NewGuard(keys, cfg.RateLimitPerMinute, time.Now)
	apiListener, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR=%q: %w", cfg.ListenAddr, err)
	}
	metricsListener, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		apiListener.Close()
		return fmt.Errorf("METRICS_ADDR=%q: %w", cfg.MetricsAddr, err)
	}
	errorLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	api := &http.Server{
		Handler: httpapi.NewHandler(httpapi.Deps{
			Store: store, Metrics: m, Log: log, Ready: &ready, Build: build, DebugRoutes: cfg.DebugRoutes, Guard: guard.Wrap,
		}),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          errorLog,
	}
	metricsServer := &http.Server{
		Handler: httpapi.NewMetricsHandler(m, log), ReadHeaderTimeout: 5 * time.Second, ErrorLog: errorLog,
	}

	serveErrors := make(chan error, 2)
	serve := func(s *http.Server, l net.Listener) {
		if err := s.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			serveErrors <- err
		}
	}
	go serve(api, apiListener)
	go serve(metricsServer, metricsListener)

	workerCtx, stopWorker := context.WithCancel(context.Background())
	workerStopped := make(chan struct{})
	go func() {
		worker.New(store, cfg.Worker, m, log).Run(workerCtx)
		close(workerStopped)
	}()

	ready.Store(true)
	log.Info("serving", "api", apiListener.Addr().String(), "metrics", metricsListener.Addr().String(),
		"version", build.Version, "revision", build.Revision)

	select {
	case err := <-serveErrors:
		stopWorker()
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}

	ready.Store(false)
	log.Info("shutting down", "drain_delay", cfg.ShutdownDrainDelay.String(), "timeout", cfg.ShutdownTimeout.String())
	time.Sleep(cfg.ShutdownDrainDelay)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	apiErr := api.Shutdown(shutdownCtx)
	stopWorker()
	<-workerStopped
	metricsErr := metricsServer.Shutdown(shutdownCtx)
	if apiErr != nil {
		return fmt.Errorf("in-flight requests did not finish within SHUTDOWN_TIMEOUT=%s: %w", cfg.ShutdownTimeout, apiErr)
	}
	if metricsErr != nil {
		return fmt.Errorf("stopping the metrics server: %w", metricsErr)
	}
	log.Info("stopped")
	return nil
}
