// The clusters' Prometheus and Alertmanager (generators/versions.ts), for the tests: one Go module each, so that each
// program keeps its own upstream dependency graph; stamped like upstream's release builds, whose `--version` tests read.
import type { GoTool } from '../../generators/go-tools';
import { versions } from '../../generators/versions';

const versionStamp = (version: string) => `-X github.com/prometheus/common/version.Version=${version}`;
const prometheusTool = (name: string): GoTool => ({
  name,
  module: 'platform/monitoring/tools/prometheus',
  pkg: `github.com/prometheus/prometheus/cmd/${name}`,
  ldflags: versionStamp(versions.prometheus),
});
const alertmanagerTool = (name: string): GoTool => ({
  name,
  module: 'platform/monitoring/tools/alertmanager',
  pkg: `github.com/prometheus/alertmanager/cmd/${name}`,
  ldflags: versionStamp(versions.alertmanager),
});

export const PROMETHEUS = prometheusTool('prometheus');
export const PROMTOOL = prometheusTool('promtool');
export const ALERTMANAGER = alertmanagerTool('alertmanager');
export const AMTOOL = alertmanagerTool('amtool');
