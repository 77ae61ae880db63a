//go:build tools

// Keeps the prometheus and promtool commands in this module's dependency graph.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
