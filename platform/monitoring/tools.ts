// The clusters' Prometheus and Alertmanager (generators/versions.ts), for the tests: one Go module each, so that each
// program keeps its own upstream dependency graph; stamped like upstream's release builds, whose `--version` tests
// read.
import type { GoTool } from '../../generators/go-tools';
import { versions } from '../../generators/versions';

const versionStamp = (version: string) => `-X github.com/prometheus/common/version.Version=${version}`;
// `remove_all_sd` leaves out the service discovery plugins (plugins/plugin_*.go at v0.310.0:
// `//go:build !remove_all_sd || enable_<name>_sd`), the cloud SDKs of a cold build: the tests' configs use
// static_configs only, and a config that asked for a plugin would fail to load, not pass unchecked.
const prometheusTool = (name: string): GoTool => ({
  name,
  module: 'platform/monitoring/tools/prometheus',
  pkg: `github.com/prometheus/prometheus/cmd/${name}`,
  ldflags: versionStamp(versions.prometheus),
  tags: ['remove_all_sd'],
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
