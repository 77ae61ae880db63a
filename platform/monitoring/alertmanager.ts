// Alertmanager's whole configuration, owned here. Helm merges maps and replaces lists, so a key of the chart's default
// `alertmanager.config` that we left unset survived into ours: its Watchdog route to receiver "null" outlived the
// receivers list we replaced, and the operator rejected the config (issue 23). Every key that default has is set here.
import type { Construct } from 'constructs';
import type { Cluster } from '../../generators/model';
import { networkPolicy } from '../../generators/namespace';
import { ALERTMANAGER_POD_LABELS, NAMESPACE } from './api';

/**
 * The SOPS Secret with the receivers' URLs, one a key (`npm run secret -- <cluster> monitoring
 * alertmanager-receivers on-call-url=https://… dead-mans-switch-url=https://…`). Alertmanager reads them per
 * notification through `url_file`.
 */
export const RECEIVERS_SECRET = 'alertmanager-receivers';
export const RECEIVER_KEYS = { onCall: 'on-call-url', deadMansSwitch: 'dead-mans-switch-url' } as const;
/**
 * Where the operator mounts each Secret named in `alertmanagerSpec.secrets`: `secretsDir` + the Secret's name
 * (prometheus-operator v0.89.0, pkg/alertmanager/statefulset.go).
 */
export const RECEIVERS_DIR = `/etc/alertmanager/secrets/${RECEIVERS_SECRET}`;

export const RECEIVERS = { onCall: 'on-call', deadMansSwitch: 'dead-mans-switch', discard: 'discard' } as const;

const sameAlert = ['cluster', 'namespace', 'alertname'];

/**
 * Each cluster's Alertmanager notifies the on-call webhook itself, with URLs from its own cluster's Secret. On-prem
 * does not forward to the central Alertmanager: its alerts must arrive while the VPN is down, which is when they
 * matter most; the central cluster's federation alerts report the link, and each cluster's Watchdog feeds the dead
 * man's switch, which pages when a cluster's alerting pipeline itself goes silent.
 */
export function alertmanagerConfig(): Record<string, unknown> {
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: RECEIVERS.onCall,
      group_by: ['alertname', 'cluster', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      routes: [
        // Watchdog always fires; the switch expects it every minute and raises the alarm when it stops.
        {
          receiver: RECEIVERS.deadMansSwitch,
          matchers: ['alertname = "Watchdog"'],
          group_wait: '0s',
          group_interval: '1m',
          repeat_interval: '1m',
        },
        // InfoInhibitor only exists to mute info alerts (the inhibit rules below); nobody acts on it.
        { receiver: RECEIVERS.discard, matchers: ['alertname = "InfoInhibitor"'] },
      ],
    },
    receivers: [
      {
        name: RECEIVERS.onCall,
        webhook_configs: [{ url_file: `${RECEIVERS_DIR}/${RECEIVER_KEYS.onCall}`, send_resolved: true }],
      },
      {
        name: RECEIVERS.deadMansSwitch,
        webhook_configs: [{ url_file: `${RECEIVERS_DIR}/${RECEIVER_KEYS.deadMansSwitch}`, send_resolved: false }],
      },
      { name: RECEIVERS.discard },
    ],
    // A louder alert mutes the quieter ones of the same alert, and InfoInhibitor mutes info alerts, per cluster.
    inhibit_rules: [
      { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: sameAlert },
      { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: sameAlert },
      {
        source_matchers: ['alertname = InfoInhibitor'],
        target_matchers: ['severity = info'],
        equal: ['cluster', 'namespace'],
      },
    ],
    // The chart's templateFiles land in the config Secret next to alertmanager.yaml; we ship none yet.
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}

/** Notifications leave over HTTPS to endpoints without fixed addresses: anywhere outside the cluster's own networks. */
export function alertmanagerEgress(scope: Construct, cluster: Cluster): void {
  const { podCidr, serviceCidr } = cluster.network;
  networkPolicy(scope, NAMESPACE, 'allow-alertmanager-notifications', {
    podSelector: { matchLabels: ALERTMANAGER_POD_LABELS },
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [podCidr, serviceCidr] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ],
  });
}
