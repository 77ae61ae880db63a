//go:build tools

// Keeps the helm command in this module's dependency graph.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
