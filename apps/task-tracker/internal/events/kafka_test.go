package events

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// unreachable is a loopback address where nothing listens: a broker that is down.
func unreachable(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestPublishNeverBlocksAndCountsEveryDrop(t *testing.T) {
	cfg := Config{Brokers: unreachable(t), Topic: "task-events", Buffer: 3, DeliveryTimeout: time.Second}
	k, err := NewKafka(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for i := range 10 {
		k.Publish(Event{Schema: Schema, ID: "p/" + string(rune('a'+i)), TaskID: "1", Type: Created, Time: time.Now()})
	}
	if took := time.Since(began); took > 500*time.Millisecond {
		t.Fatalf("10 publishes with Kafka down took %s", took)
	}
	k.Close(100 * time.Millisecond)
	full := testutil.ToFloat64(k.dropped.WithLabelValues(DropBufferFull))
	failed := testutil.ToFloat64(k.dropped.WithLabelValues(DropDelivery))
	if full != 7 || failed != 3 || testutil.ToFloat64(k.published) != 0 {
		t.Fatalf("buffer_full %v (want 7), delivery_failed %v (want 3), published %v", full, failed,
			testutil.ToFloat64(k.published))
	}
}

func TestConfig(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	}
	off, err := LoadConfig(env(nil))
	if err != nil || off.Enabled() || off != (Config{}) {
		t.Fatalf("no TASK_EVENTS_BROKERS: %+v %v", off, err)
	}
	on, err := LoadConfig(env(map[string]string{"TASK_EVENTS_BROKERS": "a:9093,b:9093", "TASK_EVENTS_BUFFER": "50"}))
	if err != nil || len(on.BrokerList()) != 2 || on.Buffer != 50 || on.Topic != "task-events" ||
		on.DeliveryTimeout != 30*time.Second {
		t.Fatalf("brokers set: %+v %v", on, err)
	}
	for name, vars := range map[string]map[string]string{
		"TASK_EVENTS_BUFFER":           {"TASK_EVENTS_BUFFER": "0"},
		"TASK_EVENTS_DELIVERY_TIMEOUT": {"TASK_EVENTS_DELIVERY_TIMEOUT": "soon"},
		"TASK_EVENTS_PASSWORD_FILE":    {"TASK_EVENTS_USERNAME": "task-tracker"},
	} {
		if _, err := LoadConfig(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v does not name %s", vars, err, name)
		}
	}
}
