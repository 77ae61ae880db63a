// Turns a rendered ScrapeConfig into the scrape job Prometheus runs for it, the way the operator does for the fields
// federation uses. Any other field is refused, so a derived job never silently differs from the rendered object.
import { objectRef, type KubeObject } from '../../generators/manifests';

export interface ScrapeJobEnvironment {
  /** Path of a file holding `key` of the Secret `name` in the ScrapeConfig's namespace. */
  secretFile(name: string, key: string): string;
  /** Where a rendered target is reachable from the Prometheus that runs the job. */
  target(address: string): string;
}

interface SecretKey {
  name: string;
  key: string;
}

const SUPPORTED = new Set([
  'jobName',
  'staticConfigs',
  'scheme',
  'metricsPath',
  'params',
  'honorLabels',
  'scrapeInterval',
  'scrapeTimeout',
  'sampleLimit',
  'tlsConfig',
]);
const SUPPORTED_TLS = new Set(['serverName', 'ca', 'cert', 'keySecret']);

export function scrapeJobFromScrapeConfig(object: KubeObject, env: ScrapeJobEnvironment): Record<string, unknown> {
  const where = objectRef(object);
  if (object.kind !== 'ScrapeConfig') throw new Error(`${where}: not a ScrapeConfig`);
  const spec = (object.spec ?? {}) as Record<string, any>;
  for (const field of Object.keys(spec)) {
    if (!SUPPORTED.has(field)) throw new Error(`${where}: spec.${field} is not supported by the scrape-job derivation`);
  }
  const tls = (spec.tlsConfig ?? {}) as Record<string, any>;
  for (const field of Object.keys(tls)) {
    if (!SUPPORTED_TLS.has(field))
      throw new Error(`${where}: spec.tlsConfig.${field} is not supported by the scrape-job derivation`);
  }
  const file = (ref: SecretKey | undefined, field: string) => {
    if (!ref?.name || !ref.key) throw new Error(`${where}: spec.tlsConfig.${field} must name a Secret and a key`);
    return env.secretFile(ref.name, ref.key);
  };
  const job: Record<string, unknown> = {
    job_name: spec.jobName ?? object.metadata?.name,
    honor_labels: spec.honorLabels ?? false,
    metrics_path: spec.metricsPath ?? '/metrics',
    scheme: String(spec.scheme ?? 'http').toLowerCase(),
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.scrapeInterval ? { scrape_interval: spec.scrapeInterval } : {}),
    ...(spec.scrapeTimeout ? { scrape_timeout: spec.scrapeTimeout } : {}),
    ...(spec.sampleLimit !== undefined ? { sample_limit: spec.sampleLimit } : {}),
    static_configs: ((spec.staticConfigs ?? []) as { targets: string[]; labels?: Record<string, string> }[]).map(
      (s) => ({
        targets: s.targets.map((t) => env.target(t)),
        ...(s.labels ? { labels: s.labels } : {}),
      }),
    ),
  };
  if (spec.tlsConfig) {
    job.tls_config = {
      ...(tls.serverName ? { server_name: tls.serverName } : {}),
      ...(tls.ca ? { ca_file: file(tls.ca.secret, 'ca.secret') } : {}),
      ...(tls.cert ? { cert_file: file(tls.cert.secret, 'cert.secret') } : {}),
      ...(tls.keySecret ? { key_file: file(tls.keySecret, 'keySecret') } : {}),
    };
  }
  return job;
}
