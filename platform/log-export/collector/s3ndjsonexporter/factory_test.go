package s3ndjsonexporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The exporterhelper's shutdown waits for the queue consumers, which wait for their open objects: the exporter
// writes those first instead of letting shutdown wait out flush.max_age.
func TestShutdownWritesOpenObjectsAtOnce(t *testing.T) {
	var puts atomic.Int32
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			puts.Add(1)
		}
	}))
	t.Cleanup(s3.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	c := createDefaultConfig().(*Config)
	c.Bucket, c.Region, c.Endpoint, c.Key = "logs", "eu-central-1", s3.URL, logsKey
	c.Flush.MaxAge = time.Hour
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(typeStr), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	logs := plog.NewLogs()
	logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("a")
	if err := exp.ConsumeLogs(context.Background(), logs); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() { done <- exp.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("shutdown still waiting after 5 s (flush.max_age 1h), %d objects written", puts.Load())
	}
	if puts.Load() != 1 {
		t.Fatalf("shutdown wrote %d objects, want the open one", puts.Load())
	}
}
