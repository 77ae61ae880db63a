//go:build tools

// Keeps the pinned actionlint module in go.mod; the binary is built by generators/go-tools.ts.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
