// Command task-tracker serves a small task API with metrics, structured logs, health endpoints and graceful shutdown.
// Every setting comes from the environment; see internal/config.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/app"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/auth"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/config"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
)

// Set at build time with -ldflags "-X main.version=… -X main.revision=…".
var (
	version  = "dev"
	revision = "unknown"
)

func main() {
	cfg, err := config.Load(os.LookupEnv)
	var keys []auth.Key
	if err == nil {
		keys, err = auth.LoadKeys(cfg.APIKeysFile)
	}
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("invalid configuration", "error", err.Error())
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	build := metrics.Build{Version: version, Revision: revision, GoVersion: runtime.Version()}
	if err := app.Run(ctx, cfg, keys, build, log); err != nil {
		log.Error("task-tracker failed", "error", err.Error())
		stop()
		os.Exit(1)
	}
}
