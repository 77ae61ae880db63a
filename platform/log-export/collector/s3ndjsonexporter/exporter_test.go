package s3ndjsonexporter

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const logsKey = "logs/cluster=aws/namespace={namespace}/dt={dt}/hour={hour}"

func TestPartitionsEachRecordByNamespaceAndUTCHour(t *testing.T) {
	logs := plog.NewLogs()
	add := func(namespace string, at time.Time, body string) {
		rl := logs.ResourceLogs().AppendEmpty()
		if namespace != "" {
			rl.Resource().Attributes().PutStr("k8s.namespace.name", namespace)
		}
		r := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.NewTimestampFromTime(at))
		r.Body().SetStr(body)
	}
	berlin := time.FixedZone("CET", 3600)
	add("shop", time.Date(2026, 3, 14, 10, 59, 59, 5, berlin), "a")
	add("shop", time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC), "b")
	add("", time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC), "c")

	e := &s3Exporter{config: &Config{Key: logsKey}}
	objects, err := e.objects(logs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"logs/cluster=aws/namespace=shop/dt=2026-03-14/hour=09":     {`"time":"2026-03-14T09:59:59.000000005Z"`},
		"logs/cluster=aws/namespace=shop/dt=2026-03-14/hour=10":     {`"time":"2026-03-14T10:00:00.000000000Z"`},
		"logs/cluster=aws/namespace=_cluster/dt=2026-03-14/hour=23": {`"body":"c"`},
	}
	if len(objects) != len(want) {
		t.Fatalf("got %d objects, want %d: %v", len(objects), len(want), objects)
	}
	for prefix, fragments := range want {
		ndjson := objects[prefix].String()
		if strings.Count(ndjson, "\n") != 1 || !strings.HasSuffix(ndjson, "\n") {
			t.Errorf("%s: want one NDJSON line, got %q", prefix, ndjson)
		}
		for _, f := range fragments {
			if !strings.Contains(ndjson, f) {
				t.Errorf("%s: %q lacks %s", prefix, ndjson, f)
			}
		}
	}
}

func TestValidateRejectsKeysWithoutDatePartitionOrWithUnknownPlaceholders(t *testing.T) {
	for key, want := range map[string]string{
		logsKey:                                 "",
		"logs/cluster=aws/{namespace}":          "must contain {dt}",
		"logs/cluster=aws/dt={dt}/{pod}":        "unknown placeholder {pod}",
		"/logs/cluster=aws/dt={dt}":             "must not start or end with /",
		"logs/cluster=aws/dt={dt}/hour={hour}/": "must not start or end with /",
	} {
		c := createDefaultConfig().(*Config)
		c.Bucket, c.Region, c.Key = "b", "r", key
		expectValidate(t, c, want)
	}
}

func TestValidateRejectsUnboundedWaits(t *testing.T) {
	for want, change := range map[string]func(c *Config){
		"":                                func(*Config) {},
		"timeout 0s must be positive":     func(c *Config) { c.Timeout = 0 },
		"flush.max_age 0s must be":        func(c *Config) { c.Flush.MaxAge = 0 },
		"flush.max_bytes -1 must be":      func(c *Config) { c.Flush.MaxBytes = -1 },
		"flush.max_age -1m0s must be pos": func(c *Config) { c.Flush.MaxAge = -time.Minute },
	} {
		c := createDefaultConfig().(*Config)
		c.Bucket, c.Region, c.Key = "b", "r", logsKey
		change(c)
		expectValidate(t, c, want)
	}
}

func expectValidate(t *testing.T, c *Config, want string) {
	t.Helper()
	err := c.Validate()
	if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
		t.Errorf("key %q, timeout %s, flush %+v: got error %v, want %q", c.Key, c.Timeout, c.Flush, err, want)
	}
}
