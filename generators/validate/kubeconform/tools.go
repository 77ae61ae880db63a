//go:build tools

// Keeps the kubeconform command in this module's dependency graph.
package tools

import _ "github.com/yannh/kubeconform/cmd/kubeconform"
