package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

const dbURL = "postgres://tt:secret-password@127.0.0.1:5432/tasks"

func TestDefaults(t *testing.T) {
	cfg, err := Load(env(map[string]string{"DATABASE_URL": dbURL, "API_KEYS_FILE": "/keys"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.ListenAddr != ":8080" || cfg.MetricsAddr != ":9090" || cfg.LogLevel != slog.LevelInfo || cfg.ShutdownTimeout != 20*time.Second {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.DebugRoutes {
		t.Fatal("debug routes must be off by default")
	}
	want := Database{URL: dbURL, MaxConns: 10, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second,
		CheckInterval: 2 * time.Second}
	if cfg.Database != want || cfg.Worker.Lease != time.Minute {
		t.Fatalf("database defaults %+v, lease %s", cfg.Database, cfg.Worker.Lease)
	}
}

func TestDatabaseURLIsRequiredAndNeverQuoted(t *testing.T) {
	_, err := Load(env(nil))
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL=\"\": is required: a PostgreSQL connection string") {
		t.Fatalf("want DATABASE_URL required, got %v", err)
	}
	_, err = Load(env(map[string]string{"DATABASE_URL": dbURL, "DB_MAX_CONNS": "0"}))
	if err == nil || strings.Contains(err.Error(), "secret-password") || !strings.Contains(err.Error(), "DB_MAX_CONNS=") {
		t.Fatalf("want DB_MAX_CONNS named and no password, got %v", err)
	}
}

func TestValidValues(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"LISTEN_ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0", "LOG_LEVEL": "DEBUG", "SHUTDOWN_TIMEOUT": "3s",
		"SHUTDOWN_DRAIN_DELAY": "1s", "MAX_TASKS": "5", "DEBUG_ROUTES": "true", "WORKER_CONCURRENCY": "4",
		"WORKER_POLL_INTERVAL": "10ms", "WORKER_PROCESSING_TIME": "0s", "WORKER_FAILURE_RATIO": "1",
		"WORKER_LEASE": "30s", "DATABASE_URL": dbURL, "DB_MAX_CONNS": "4", "DB_CONNECT_TIMEOUT": "1s",
		"DB_QUERY_TIMEOUT": "2s", "DB_CHECK_INTERVAL": "100ms",
		"API_KEYS_FILE": "/keys", "RATE_LIMIT_PER_MINUTE": "30",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		ListenAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", LogLevel: slog.LevelDebug, ShutdownTimeout: 3 * time.Second,
		ShutdownDrainDelay: time.Second, MaxTasks: 5, DebugRoutes: true, APIKeysFile: "/keys", RateLimitPerMinute: 30,
		Worker: Worker{
			Concurrency: 4, PollInterval: 10 * time.Millisecond, ProcessingTime: 0, FailureRatio: 1, Lease: 30 * time.Second,
		},
		Database: Database{
			URL: dbURL, MaxConns: 4, ConnectTimeout: time.Second, QueryTimeout: 2 * time.Second,
			CheckInterval: 100 * time.Millisecond,
		},
	}
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	cases := map[string]struct{ name, value, message string }{
		"address":       {"LISTEN_ADDR", "8080", "must be host:port"},
		"port":          {"METRICS_ADDR", ":99999", "port must be a number from 0 to 65535"},
		"level":         {"LOG_LEVEL", "loud", "must be one of debug, info, warn, error"},
		"duration":      {"SHUTDOWN_TIMEOUT", "soon", "must be a duration"},
		"duration zero": {"SHUTDOWN_TIMEOUT", "0s", "must be from 1s to 5m0s"},
		"integer":       {"WORKER_CONCURRENCY", "two", "must be a whole number from 1 to 64"},
		"ratio":         {"WORKER_FAILURE_RATIO", "1.5", "must be a number from 0 to 1"},
		"nan":           {"WORKER_FAILURE_RATIO", "NaN", "must be a number from 0 to 1"},
		"bool":          {"DEBUG_ROUTES", "maybe", "must be true or false"},
		"query timeout": {"DB_QUERY_TIMEOUT", "1ns", "must be from 10ms to 1m0s"},
		"lease":         {"WORKER_LEASE", "0s", "must be from 1s to 1h0m0s"},
		"no keys":       {"API_KEYS_FILE", "", "is required"},
		"rate limit":    {"RATE_LIMIT_PER_MINUTE", "0", "must be a whole number from 1 to 100000"},
	}
	for label, c := range cases {
		t.Run(label, func(t *testing.T) {
			vars := map[string]string{"DATABASE_URL": dbURL, "API_KEYS_FILE": "/keys"}
			vars[c.name] = c.value
			_, err := Load(env(vars))
			if err == nil {
				t.Fatalf("%s=%q was accepted", c.name, c.value)
			}
			if !strings.Contains(err.Error(), c.name+"=") || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("error %q does not name %s with %q", err, c.name, c.message)
			}
		})
	}
}

func TestReportsEveryInvalidVariable(t *testing.T) {
	_, err := Load(env(map[string]string{"LOG_LEVEL": "loud", "MAX_TASKS": "-1"}))
	if err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") || !strings.Contains(err.Error(), "MAX_TASKS") {
		t.Fatalf("want both variables named, got %v", err)
	}
}

func TestSameAddressForAPIAndMetricsIsRejected(t *testing.T) {
	_, err := Load(env(map[string]string{"LISTEN_ADDR": ":8080", "METRICS_ADDR": ":8080"}))
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("want METRICS_ADDR error, got %v", err)
	}
}
