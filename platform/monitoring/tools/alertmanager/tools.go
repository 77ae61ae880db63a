//go:build tools

// Keeps the alertmanager and amtool commands in this module's dependency graph.
package tools

import (
	_ "github.com/prometheus/alertmanager/cmd/alertmanager"
	_ "github.com/prometheus/alertmanager/cmd/amtool"
)
