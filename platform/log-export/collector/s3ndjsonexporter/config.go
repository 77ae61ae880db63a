package s3ndjsonexporter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

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
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	QueueConfig                  exporterhelper.QueueBatchConfig `mapstructure:"sending_queue"`
	configretry.BackOffConfig    `mapstructure:"retry_on_failure"`

	Bucket string `mapstructure:"bucket"`
	Region string `mapstructure:"region"`
	// Endpoint of an S3-compatible server (path-style requests); empty means AWS S3 of Region.
	Endpoint string `mapstructure:"endpoint"`
	// Key is the object key prefix, e.g. "logs/cluster=aws/namespace={namespace}/dt={dt}/hour={hour}".
	Key string `mapstructure:"key"`
}

func (c *Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("bucket is required"))
	}
	if c.Region == "" {
		errs = append(errs, errors.New("region is required"))
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
