// Package config reads the service configuration from environment variables and validates every value.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/events"
)

// Config is the validated configuration of one task-tracker process.
type Config struct {
	// ListenAddr serves the task API and the health endpoints.
	ListenAddr string
	// MetricsAddr serves /metrics, apart from the API so that scrapes bypass the ingress path.
	MetricsAddr string
	LogLevel    slog.Level
	// ShutdownDrainDelay is how long the process stays up, not ready, after SIGTERM before it stops accepting
	// connections, so that endpoints stop routing to it first.
	ShutdownDrainDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish once the listener is closed.
	ShutdownTimeout time.Duration
	// MaxTasks bounds the store, across every replica.
	MaxTasks int
	Database Database
	// DebugRoutes enables /debug/delay, which holds a request open; for tests only.
	DebugRoutes bool
	// APIKeysFile holds the clients' keys (internal/auth); required, so the API never runs open.
	APIKeysFile string
	// RateLimitPerMinute bounds each client's requests to /tasks.
	RateLimitPerMinute int
	Worker             Worker
	// Events publishes task events to Kafka (TASK_EVENTS_*); off unless TASK_EVENTS_BROKERS is set.
	Events events.Config
}

// Worker configures the background processing of tasks.
type Worker struct {
	Concurrency    int
	PollInterval   time.Duration
	ProcessingTime time.Duration
	// FailureRatio is the share of tasks, from 0 to 1, whose processing fails.
	FailureRatio float64
	// Lease is how long a task may stay processing before another worker takes it over.
	Lease time.Duration
}

// Database is the PostgreSQL that every replica shares.
type Database struct {
	// URL is a libpq connection string or URL; it holds the password, so no message ever quotes it.
	URL            string
	MaxConns       int
	ConnectTimeout time.Duration
	QueryTimeout   time.Duration
	// CheckInterval is how often the process checks that the database answers and takes writes; /readyz reports it.
	CheckInterval time.Duration
}

// Load reads every variable through lookup (os.LookupEnv in production) and reports all invalid ones at once.
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := reader{lookup: lookup}
	cfg := Config{
		ListenAddr:         r.address("LISTEN_ADDR", ":8080"),
		MetricsAddr:        r.address("METRICS_ADDR", ":9090"),
		LogLevel:           r.logLevel("LOG_LEVEL", slog.LevelInfo),
		ShutdownDrainDelay: r.duration("SHUTDOWN_DRAIN_DELAY", 0, 0, time.Minute),
		ShutdownTimeout:    r.duration("SHUTDOWN_TIMEOUT", 20*time.Second, time.Second, 5*time.Minute),
		MaxTasks:           r.integer("MAX_TASKS", 10000, 1, 1_000_000),
		DebugRoutes:        r.boolean("DEBUG_ROUTES", false),
		Database: Database{
			URL:            r.required("DATABASE_URL", "a PostgreSQL connection string"),
			MaxConns:       r.integer("DB_MAX_CONNS", 10, 1, 100),
			ConnectTimeout: r.duration("DB_CONNECT_TIMEOUT", 5*time.Second, 100*time.Millisecond, time.Minute),
			QueryTimeout:   r.duration("DB_QUERY_TIMEOUT", 5*time.Second, 10*time.Millisecond, time.Minute),
			CheckInterval:  r.duration("DB_CHECK_INTERVAL", 2*time.Second, 50*time.Millisecond, time.Minute),
		},
		APIKeysFile:        r.required("API_KEYS_FILE", "the path of the clients' keys file (the mounted SOPS Secret)"),
		RateLimitPerMinute: r.integer("RATE_LIMIT_PER_MINUTE", 600, 1, 100_000),
		Worker: Worker{
			Concurrency:    r.integer("WORKER_CONCURRENCY", 2, 1, 64),
			PollInterval:   r.duration("WORKER_POLL_INTERVAL", 200*time.Millisecond, time.Millisecond, time.Minute),
			ProcessingTime: r.duration("WORKER_PROCESSING_TIME", 100*time.Millisecond, 0, time.Minute),
			FailureRatio:   r.ratio("WORKER_FAILURE_RATIO", 0.05),
			Lease:          r.duration("WORKER_LEASE", time.Minute, time.Second, time.Hour),
		},
	}
	if cfg.ListenAddr == cfg.MetricsAddr && !strings.HasSuffix(cfg.ListenAddr, ":0") {
		r.fail("METRICS_ADDR", cfg.MetricsAddr, "must differ from LISTEN_ADDR")
	}
	events, err := events.LoadConfig(lookup)
	cfg.Events = events
	return cfg, errors.Join(append(r.errs, err)...)
}

type reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (r *reader) fail(name, value, problem string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q: %s", name, value, problem))
}

// get returns the variable's value, or "" and false when it is unset or empty.
func (r *reader) get(name string) (string, bool) {
	value, ok := r.lookup(name)
	return value, ok && value != ""
}

func (r *reader) required(name, what string) string {
	value, ok := r.get(name)
	if !ok {
		r.fail(name, value, "is required: "+what)
	}
	return value
}

func (r *reader) address(name, fallback string) string {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	_, port, err := net.SplitHostPort(value)
	if err != nil {
		r.fail(name, value, "must be host:port or :port, e.g. :8080")
		return fallback
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		r.fail(name, value, "port must be a number from 0 to 65535")
		return fallback
	}
	return value
}

func (r *reader) logLevel(name string, fallback slog.Level) slog.Level {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	level, known := levels[strings.ToLower(value)]
	if !known {
		r.fail(name, value, "must be one of debug, info, warn, error")
		return fallback
	}
	return level
}

func (r *reader) duration(name string, fallback, min, max time.Duration) time.Duration {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		r.fail(name, value, "must be a duration such as 500ms, 20s or 1m")
		return fallback
	}
	if d < min || d > max {
		r.fail(name, value, fmt.Sprintf("must be from %s to %s", min, max))
		return fallback
	}
	return d
}

func (r *reader) integer(name string, fallback, min, max int) int {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < min || n > max {
		r.fail(name, value, fmt.Sprintf("must be a whole number from %d to %d", min, max))
		return fallback
	}
	return n
}

func (r *reader) ratio(name string, fallback float64) float64 {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	f, err := strconv.ParseFloat(value, 64)
	if err != nil || !(f >= 0 && f <= 1) { // the negation also rejects NaN
		r.fail(name, value, "must be a number from 0 to 1")
		return fallback
	}
	return f
}

func (r *reader) boolean(name string, fallback bool) bool {
	value, ok := r.get(name)
	if !ok {
		return fallback
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		r.fail(name, value, "must be true or false")
		return fallback
	}
	return b
}
