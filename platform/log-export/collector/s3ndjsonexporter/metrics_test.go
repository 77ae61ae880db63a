package s3ndjsonexporter

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const metricsKey = "metrics/cluster=aws/dt={dt}/hour={hour}"

func TestMetricsBecomeFlatSamplesPartitionedByUTCHour(t *testing.T) {
	metrics := pmetric.NewMetrics()
	rm := metrics.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "task-tracker")
	rm.Resource().Attributes().PutStr("service.instance.id", "10.0.0.7:9090")
	rm.Resource().Attributes().PutStr("server.address", "10.0.0.7")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	at := pcommon.NewTimestampFromTime(time.Date(2026, 3, 14, 9, 59, 59, 500_000_000, time.UTC))
	later := pcommon.NewTimestampFromTime(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC))

	gauge := ms.AppendEmpty()
	gauge.SetName("namespace_job:errors:ratio_rate5m")
	p := gauge.SetEmptyGauge().DataPoints().AppendEmpty()
	p.SetTimestamp(at)
	p.SetDoubleValue(math.NaN())
	p.Attributes().PutStr("cluster", "aws")
	stale := gauge.Gauge().DataPoints().AppendEmpty()
	stale.SetTimestamp(at)
	stale.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))

	sum := ms.AppendEmpty()
	sum.SetName("task_tracker_tasks_created_total")
	q := sum.SetEmptySum().DataPoints().AppendEmpty()
	q.SetTimestamp(later)
	q.SetIntValue(42)

	hist := ms.AppendEmpty()
	hist.SetName("latency_seconds")
	h := hist.SetEmptyHistogram().DataPoints().AppendEmpty()
	h.SetTimestamp(later)
	h.ExplicitBounds().FromRaw([]float64{0.5})
	h.BucketCounts().FromRaw([]uint64{3, 2})
	h.SetSum(2.5)
	h.SetCount(5)

	e := &s3Exporter{config: &Config{Key: metricsKey}}
	objects, err := e.metricObjects(metrics)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(prefix string) []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSuffix(objects[prefix].String(), "\n"), "\n") {
			var r map[string]any
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: %q: %v", prefix, line, err)
			}
			out = append(out, r)
		}
		return out
	}
	if len(objects) != 2 {
		t.Fatalf("want objects for hours 09 and 10, got %v", objects)
	}
	nine := lines("metrics/cluster=aws/dt=2026-03-14/hour=09")
	if len(nine) != 1 {
		t.Fatalf("the staleness marker is not a sample: got %v", nine)
	}
	want := map[string]any{
		"time": "2026-03-14T09:59:59.500000000Z", "metric": "namespace_job:errors:ratio_rate5m", "value": "NaN",
		"labels": map[string]any{"cluster": "aws", "job": "task-tracker", "instance": "10.0.0.7:9090"},
	}
	if got, _ := json.Marshal(nine[0]); string(got) != mustJSON(want) {
		t.Errorf("got %s, want %s", got, mustJSON(want))
	}
	var series []string
	for _, r := range lines("metrics/cluster=aws/dt=2026-03-14/hour=10") {
		labels := r["labels"].(map[string]any)
		series = append(series, r["metric"].(string)+"{le="+str(labels["le"])+"}="+mustJSON(r["value"]))
	}
	wantSeries := "task_tracker_tasks_created_total{le=}=42 latency_seconds_bucket{le=0.5}=3 " +
		"latency_seconds_bucket{le=+Inf}=5 latency_seconds_sum{le=}=2.5 latency_seconds_count{le=}=5"
	if strings.Join(series, " ") != wantSeries {
		t.Errorf("got %s\nwant %s", strings.Join(series, " "), wantSeries)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
