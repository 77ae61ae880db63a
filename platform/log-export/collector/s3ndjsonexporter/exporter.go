package s3ndjsonexporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// RFC 3339 with all nine fractional digits, so times sort as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Records without a namespace (cluster-scoped objects such as Nodes) go to this namespace partition.
const clusterScoped = "_cluster"

type s3Exporter struct {
	config  *Config
	client  *s3.Client
	batcher *batcher
}

func newS3Exporter(c *Config) *s3Exporter {
	e := &s3Exporter{config: c}
	// How many pushes can wait at once: each queue consumer runs one, and requests being written still count
	// against a queue bounded in requests.
	consumers := 0
	if q := c.QueueConfig; q.Enabled {
		consumers = q.NumConsumers
		if q.Sizer == exporterhelper.RequestSizerTypeRequests && q.QueueSize < int64(consumers) {
			consumers = int(q.QueueSize)
		}
	}
	e.batcher = newBatcher(c.Flush.MaxBytes, c.Flush.MaxAge, consumers, e.upload)
	return e
}

// start builds the S3 client from the SDK's default credential chain: web identity (IRSA), env keys, instance role.
func (e *s3Exporter) start(ctx context.Context, _ component.Host) error {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(e.config.Region))
	if err != nil {
		return err
	}
	e.client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if e.config.Endpoint != "" {
			o.BaseEndpoint = aws.String(e.config.Endpoint)
			o.UsePathStyle = true
		}
	})
	return nil
}

// push hands the records, rendered per key partition, to the batcher and returns once they are all in S3. A failed
// object fails every push that has records in it, and the queue retries each of them: at-least-once, so a retry
// may write records that an earlier object already holds.
func (e *s3Exporter) push(ctx context.Context, logs plog.Logs) error {
	objects, err := e.objects(logs)
	if err != nil {
		return err
	}
	return e.batcher.add(ctx, objects)
}

// objects renders the records as NDJSON, one buffer per key prefix.
func (e *s3Exporter) objects(logs plog.Logs) (map[string]*bytes.Buffer, error) {
	objects := map[string]*bytes.Buffer{}
	rls := logs.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		resource := rls.At(i).Resource().Attributes()
		namespace := clusterScoped
		if ns, ok := resource.Get("k8s.namespace.name"); ok && ns.Str() != "" {
			namespace = ns.Str()
		}
		resourceJSON := resource.AsRaw()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			records := sls.At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				record := records.At(k)
				when := recordTime(record)
				prefix := e.prefix(namespace, when)
				err := appendLine(objects, prefix, map[string]any{
					"time":       when.Format(timeLayout),
					"resource":   resourceJSON,
					"attributes": record.Attributes().AsRaw(),
					"body":       record.Body().AsRaw(),
				})
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return objects, nil
}

// appendLine adds one record as an NDJSON line to the buffer of its key prefix.
func appendLine(objects map[string]*bytes.Buffer, prefix string, record map[string]any) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	if objects[prefix] == nil {
		objects[prefix] = &bytes.Buffer{}
	}
	objects[prefix].Write(line)
	objects[prefix].WriteByte('\n')
	return nil
}

// upload writes one object under a name derived from its content, within the configured timeout.
func (e *s3Exporter) upload(prefix string, ndjson []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.config.Timeout)
	defer cancel()
	sum := sha256.Sum256(ndjson)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write(ndjson); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err := e.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(e.config.Bucket),
		Key:    aws.String(prefix + "/" + hex.EncodeToString(sum[:16]) + ".json.gz"),
		Body:   bytes.NewReader(gz.Bytes()),
		// A gzip file, not a gzip-encoded transfer: readers get the .gz bytes and decompress by extension.
		ContentType: aws.String("application/gzip"),
	})
	return err
}

func (e *s3Exporter) prefix(namespace string, when time.Time) string {
	return strings.NewReplacer(
		namespacePlaceholder, namespace,
		datePlaceholder, when.Format("2006-01-02"),
		hourPlaceholder, when.Format("15"),
	).Replace(e.config.Key)
}

// recordTime is when the record happened, in UTC: its own timestamp, else when the collector observed it.
func recordTime(record plog.LogRecord) time.Time {
	ts := record.Timestamp()
	if ts == 0 {
		ts = record.ObservedTimestamp()
	}
	if ts == 0 {
		ts = pcommon.NewTimestampFromTime(time.Now())
	}
	return ts.AsTime().UTC()
}
