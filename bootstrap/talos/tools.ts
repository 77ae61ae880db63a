// The Go program the Talos scripts build from this repo: Talos's own machinery, pinned in bootstrap/talos/machinery.
import type { GoTool } from '../../generators/go-tools';

/** Generates machine configs and secrets with the Talos machinery at the pinned version (see machinery/main.go). */
export const TALOS_CONFIG_TOOL: GoTool = {
  name: 'talos-config',
  module: 'bootstrap/talos/machinery',
  pkg: '.',
  localSource: true,
};
