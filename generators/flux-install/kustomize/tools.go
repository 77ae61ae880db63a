//go:build tools

// Keeps the kustomize command in this module's dependency graph.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
