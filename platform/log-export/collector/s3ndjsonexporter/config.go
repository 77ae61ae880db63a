package s3ndjsonexporter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Placeholders that Key may hold; each object's key is Key with them filled in, then "/<sha256>.json.gz".
const (
	namespacePlaceholder = "{namespace}"
	datePlaceholder      = "{dt}"
	hourPlaceholder      = "{hour}"
)

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

type Config struct {
	// Timeout bounds each object's upload. The exporterhelper gets no timeout of its own: a push waits for its
	// objects, at most Flush.MaxAge and then one upload.
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	QueueConfig                  exporterhelper.QueueBatchConfig `mapstructure:"sending_queue"`
	configretry.BackOffConfig    `mapstructure:"retry_on_failure"`

	Bucket string `mapstructure:"bucket"`
	Region string `mapstructure:"region"`
	// Endpoint of an S3-compatible server (path-style requests); empty means AWS S3 of Region.
	Endpoint string `mapstructure:"endpoint"`
	// Key is the object key prefix, e.g. "logs/cluster=aws/namespace={namespace}/dt={dt}/hour={hour}".
	Key string `mapstructure:"key"`
	// Flush says when the records gathered for one key prefix are written as one object.
	Flush FlushConfig `mapstructure:"flush"`
}

type FlushConfig struct {
	// MaxAge bounds how long a record waits in an open object: the delay until it is in S3, S3 being up.
	MaxAge time.Duration `mapstructure:"max_age"`
	// MaxBytes of uncompressed NDJSON: an object that holds this much is written at once.
	MaxBytes int `mapstructure:"max_bytes"`
}

func (c *Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("bucket is required"))
	}
	if c.Region == "" {
		errs = append(errs, errors.New("region is required"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s must be positive: pushes wait for their uploads", c.Timeout))
	}
	if c.Flush.MaxAge <= 0 {
		errs = append(errs, fmt.Errorf("flush.max_age %s must be positive, e.g. 1m", c.Flush.MaxAge))
	}
	if c.Flush.MaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("flush.max_bytes %d must be positive", c.Flush.MaxBytes))
	}
	if !strings.Contains(c.Key, datePlaceholder) {
		errs = append(errs, fmt.Errorf("key %q must contain %s so objects land in daily partitions", c.Key, datePlaceholder))
	}
	if strings.HasPrefix(c.Key, "/") || strings.HasSuffix(c.Key, "/") {
		errs = append(errs, fmt.Errorf("key %q must not start or end with /", c.Key))
	}
	for _, p := range placeholder.FindAllString(c.Key, -1) {
		if p != namespacePlaceholder && p != datePlaceholder && p != hourPlaceholder {
			errs = append(errs, fmt.Errorf("key %q has unknown placeholder %s; use %s, %s or %s", c.Key, p, namespacePlaceholder, datePlaceholder, hourPlaceholder))
		}
	}
	return errors.Join(errs...)
}
