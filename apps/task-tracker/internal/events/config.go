package events

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config turns publishing on (Brokers set) and bounds it. It stays comparable, like the service's Config.
type Config struct {
	// Brokers is the comma-separated bootstrap list.
	Brokers string
	Topic   string
	// Buffer is the most events waiting for Kafka; more are dropped.
	Buffer int
	// DeliveryTimeout is how long an event may wait for Kafka's acknowledgement before it is dropped.
	DeliveryTimeout time.Duration
	// CAFile turns on TLS, trusting that CA (the Strimzi cluster CA).
	CAFile string
	// Username and PasswordFile turn on SCRAM-SHA-512 (a Strimzi KafkaUser).
	Username     string
	PasswordFile string
}

// Enabled says whether events are published at all.
func (c Config) Enabled() bool { return c.Brokers != "" }

// BrokerList is Brokers split at the commas.
func (c Config) BrokerList() []string { return strings.Split(c.Brokers, ",") }

// LoadConfig reads the TASK_EVENTS_* variables through lookup and reports every invalid one.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	get := func(name, fallback string) string {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
		return fallback
	}
	var errs []error
	cfg := Config{
		Brokers:      get("TASK_EVENTS_BROKERS", ""),
		Topic:        get("TASK_EVENTS_TOPIC", "task-events"),
		CAFile:       get("TASK_EVENTS_CA_FILE", ""),
		Username:     get("TASK_EVENTS_USERNAME", ""),
		PasswordFile: get("TASK_EVENTS_PASSWORD_FILE", ""),
	}
	buffer := get("TASK_EVENTS_BUFFER", "10000")
	if n, err := strconv.Atoi(buffer); err != nil || n < 1 || n > 1_000_000 {
		errs = append(errs, fmt.Errorf("TASK_EVENTS_BUFFER=%q: must be a whole number from 1 to 1000000", buffer))
	} else {
		cfg.Buffer = n
	}
	timeout := get("TASK_EVENTS_DELIVERY_TIMEOUT", "30s")
	if d, err := time.ParseDuration(timeout); err != nil || d < time.Second || d > 10*time.Minute {
		errs = append(errs, fmt.Errorf("TASK_EVENTS_DELIVERY_TIMEOUT=%q: must be a duration from 1s to 10m", timeout))
	} else {
		cfg.DeliveryTimeout = d
	}
	if (cfg.Username == "") != (cfg.PasswordFile == "") {
		errs = append(errs, errors.New("TASK_EVENTS_USERNAME and TASK_EVENTS_PASSWORD_FILE: set both or neither"))
	}
	if !cfg.Enabled() {
		// Off has no settings, so the zero Config means off.
		return Config{}, errors.Join(errs...)
	}
	return cfg, errors.Join(errs...)
}
