//go:build tools

// Keeps the gofakes3 command in this module's requirements.
package tools

import _ "github.com/johannesboyne/gofakes3/cmd/gofakes3"
