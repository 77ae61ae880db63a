package s3ndjsonexporter

import (
	"bytes"
	"context"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// A metrics record is flat, one sample per NDJSON line: {"time", "metric", "labels", "value"}, the Prometheus view of
// the sample. The prometheus receiver moves a series' job and instance labels into the resource attributes
// service.name and service.instance.id (receiver/prometheusreceiver v0.128.0, internal/prom_to_otlp.go,
// CreateResource); they are put back here. The rest of the resource (server.address, url.scheme, ...) describes the
// scrape, not the series, and is left out.
var resourceLabels = map[string]string{"service.name": "job", "service.instance.id": "instance"}

func (e *s3Exporter) pushMetrics(ctx context.Context, metrics pmetric.Metrics) error {
	objects, err := e.metricObjects(metrics)
	if err != nil {
		return err
	}
	return e.batcher.add(ctx, objects)
}

// metricObjects renders every sample as NDJSON, one buffer per key prefix (the sample's UTC date and hour).
func (e *s3Exporter) metricObjects(metrics pmetric.Metrics) (map[string]*bytes.Buffer, error) {
	objects := map[string]*bytes.Buffer{}
	rms := metrics.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		base := map[string]string{}
		rms.At(i).Resource().Attributes().Range(func(k string, v pcommon.Value) bool {
			if label, ok := resourceLabels[k]; ok && v.Str() != "" {
				base[label] = v.Str()
			}
			return true
		})
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				for _, s := range samples(ms.At(k), base) {
					when := s.time.AsTime().UTC()
					record := map[string]any{
						"time": when.Format(timeLayout), "metric": s.name, "labels": s.labels, "value": jsonValue(s.value),
					}
					if err := appendLine(objects, e.prefix(clusterScoped, when), record); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return objects, nil
}

type sample struct {
	name   string
	labels map[string]string
	time   pcommon.Timestamp
	value  float64
}

// samples flattens one metric into Prometheus samples. Histograms and summaries become their _bucket/_sum/_count and
// quantile series. Points flagged as having no recorded value are the receiver's staleness markers for series that
// ended, not samples. Exponential histograms come only from native-histogram scrapes, which /federate's text format
// does not carry; they are not written.
func samples(m pmetric.Metric, base map[string]string) []sample {
	var out []sample
	add := func(name string, attrs pcommon.Map, at pcommon.Timestamp, v float64, extra ...string) {
		labels := make(map[string]string, len(base)+attrs.Len()+1)
		for k, v := range base {
			labels[k] = v
		}
		attrs.Range(func(k string, v pcommon.Value) bool {
			labels[k] = v.AsString()
			return true
		})
		for i := 0; i+1 < len(extra); i += 2 {
			labels[extra[i]] = extra[i+1]
		}
		out = append(out, sample{name: name, labels: labels, time: at, value: v})
	}
	numbers := func(points pmetric.NumberDataPointSlice) {
		for i := 0; i < points.Len(); i++ {
			p := points.At(i)
			if p.Flags().NoRecordedValue() {
				continue
			}
			v := p.DoubleValue()
			if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
				v = float64(p.IntValue())
			}
			add(m.Name(), p.Attributes(), p.Timestamp(), v)
		}
	}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		numbers(m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		numbers(m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		points := m.Histogram().DataPoints()
		for i := 0; i < points.Len(); i++ {
			p := points.At(i)
			if p.Flags().NoRecordedValue() {
				continue
			}
			cumulative := uint64(0)
			for b := 0; b < p.BucketCounts().Len(); b++ {
				cumulative += p.BucketCounts().At(b)
				le := "+Inf"
				if b < p.ExplicitBounds().Len() {
					le = formatFloat(p.ExplicitBounds().At(b))
				}
				add(m.Name()+"_bucket", p.Attributes(), p.Timestamp(), float64(cumulative), "le", le)
			}
			add(m.Name()+"_sum", p.Attributes(), p.Timestamp(), p.Sum())
			add(m.Name()+"_count", p.Attributes(), p.Timestamp(), float64(p.Count()))
		}
	case pmetric.MetricTypeSummary:
		points := m.Summary().DataPoints()
		for i := 0; i < points.Len(); i++ {
			p := points.At(i)
			if p.Flags().NoRecordedValue() {
				continue
			}
			for q := 0; q < p.QuantileValues().Len(); q++ {
				qv := p.QuantileValues().At(q)
				add(m.Name(), p.Attributes(), p.Timestamp(), qv.Value(), "quantile", formatFloat(qv.Quantile()))
			}
			add(m.Name()+"_sum", p.Attributes(), p.Timestamp(), p.Sum())
			add(m.Name()+"_count", p.Attributes(), p.Timestamp(), float64(p.Count()))
		}
	}
	return out
}

// formatFloat writes a bucket bound or quantile as Prometheus labels do ("0.5", "1e-05").
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// jsonValue is the sample value as a JSON number; JSON has no NaN or infinities, which Prometheus values can be
// (a ratio of two zero rates), so those are the strings Athena's double parsing and Number() accept.
func jsonValue(v float64) any {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return v
}
