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
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/events"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/httpapi"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/pgstore"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/worker"
)

// Run serves until ctx is cancelled (SIGTERM), then shuts down gracefully:
//  1. /readyz fails, and the API keeps serving for cfg.ShutdownDrainDelay while endpoints stop routing here;
//  2. the API stops accepting connections and in-flight requests get cfg.ShutdownTimeout to finish;
//  3. the worker stops, and last the metrics server, so the shutdown itself can still be scraped.
//
// It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg config.Config, keys []auth.Key, build metrics.Build, log *slog.Logger) error {
	store, err := pgstore.Open(cfg.Database.URL, pgstore.Options{
		MaxConns: int32(cfg.Database.MaxConns), ConnectTimeout: cfg.Database.ConnectTimeout,
		QueryTimeout: cfg.Database.QueryTimeout, MaxTasks: cfg.MaxTasks, Lease: cfg.Worker.Lease,
	})
	if err != nil {
		return err
	}
	defer store.Close()
	var queueDepth atomic.Int64
	m := metrics.New(build, func() float64 { return float64(queueDepth.Load()) })
	var ready atomic.Bool
	guard := auth.NewGuard(keys, cfg.RateLimitPerMinute, time.Now)
	tasks, closeEvents, err := events.Open(cfg.Events, store, m.Register, log)
	if err != nil {
		return err
	}
	// Deferred, so it runs once the worker has stopped and its last events can still be flushed.
	defer closeEvents()

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
			Store: tasks, Metrics: m, Log: log, Ready: &ready, Build: build, DebugRoutes: cfg.DebugRoutes, Guard: guard.Wrap,
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
		worker.New(tasks, cfg.Worker, m, log).Run(workerCtx)
		close(workerStopped)
	}()

	checkCtx, stopChecks := context.WithCancel(context.Background())
	checksStopped := make(chan struct{})
	go func() {
		checkDatabase(checkCtx, store, cfg.Database.CheckInterval, m, &ready, &queueDepth, log)
		close(checksStopped)
	}()
	log.Info("serving", "api", apiListener.Addr().String(), "metrics", metricsListener.Addr().String(),
		"version", build.Version, "revision", build.Revision)

	select {
	case err := <-serveErrors:
		stopChecks()
		stopWorker()
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}

	stopChecks()
	<-checksStopped
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

// checkDatabase migrates the schema once the database takes writes, then keeps checking it every interval: the
// process is ready only while the database answers, is migrated and is the primary (a replica's app is not ready, so
// neither the Service nor the Route 53 health check sends it requests). It returns when ctx is cancelled.
func checkDatabase(ctx context.Context, store *pgstore.Store, every time.Duration, m *metrics.Metrics,
	ready *atomic.Bool, queueDepth *atomic.Int64, log *slog.Logger) {
	migrated, was := false, "unknown"
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		primary, err := store.Role(ctx)
		if err == nil && primary && !migrated {
			var applied int
			if applied, err = pgstore.Migrate(ctx, store.Pool()); err == nil {
				migrated = true
				log.Info("database migrated", "applied", applied)
			}
		}
		if err == nil && primary {
			var pending int
			if pending, err = store.Pending(ctx); err == nil {
				queueDepth.Store(int64(pending))
			}
		}
		state := map[bool]string{true: "primary", false: "replica"}[primary]
		if err != nil {
			state = "unreachable"
		}
		if state != was && ctx.Err() == nil {
			if err != nil {
				log.Warn("database check failed: not ready", "state", state, "error", err.Error())
			} else {
				log.Info("database checked", "state", state, "ready", state == "primary")
			}
			was = state
		}
		m.DatabaseChecked(err == nil, err == nil && primary)
		ready.Store(err == nil && primary && migrated)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
