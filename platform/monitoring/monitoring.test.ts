// The monitoring component on the real model: what lands in which layer, the values it gives the chart, the checks on
// its values, the federation repo check and the scrape-job derivation.
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../generators/component';
import { estate } from '../../generators/estate/clusters';
import type { Estate } from '../../generators/model';
import { parseManifests, type KubeObject, type ManifestDoc } from '../../generators/manifests';
import { findProblems } from '../../generators/model-check';
import { renderEstate } from '../../generators/render';
import { catchAllReason, federationScrapeCheck } from './federation-check';
import { clusterDnsAddress, gatewayConfig } from './federation';
import { monitoring } from './index';
import { federatedSeries } from './index';
import { clusterContext, dashboardsOf, installed } from '../../generators/registries';
import { datasourcesOf, PROMETHEUS_DATASOURCE_UID } from '../../generators/telemetry';
import type { MonitoringValues } from './values';
import { scrapeJobFromScrapeConfig } from './scrape-job';
import { DASHBOARD_ANNOTATIONS, DASHBOARD_LABELS, MONITORING_SELECTOR, PROMETHEUS_SERVICE_ACCOUNT } from './api';
import { irsaCredentials } from '../../generators/irsa';
import { catalogue as realCatalogue } from '../../generators/estate/catalogue';

const catalogue: Catalogue = { platform: { monitoring }, apps: {} };

/** The real estate with monitoring only, so these tests do not depend on other components. */
function monitoringEstate(): Estate {
  const copy = structuredClone(estate);
  for (const cluster of copy.clusters) {
    cluster.platform = { monitoring: cluster.platform.monitoring };
    cluster.apps = {};
  }
  return copy;
}

function render(model = monitoringEstate()) {
  const rendering = renderEstate(model, catalogue);
  const docs = [...rendering.files].flatMap(([file, text]) => parseManifests(file, text).docs);
  return { rendering, docs };
}

const find = (docs: ManifestDoc[], cluster: string, kind: string, name?: string) =>
  docs.filter((d) => d.cluster === cluster && d.object.kind === kind && (!name || d.object.metadata?.name === name));

const layerOf = (d: ManifestDoc) => d.file.split('/')[2];

describe('rendering', () => {
  const { rendering, docs } = render();

  it('puts the stack in platform-controllers and rules, scrape configs and dashboards in platform-configs', () => {
    for (const cluster of ['aws', 'onprem']) {
      for (const kind of ['Namespace', 'HelmRepository', 'HelmRelease', 'NetworkPolicy']) {
        const objects = find(docs, cluster, kind);
        expect(objects.length, `${cluster} ${kind}`).toBeGreaterThan(0);
        expect(new Set(objects.map(layerOf))).toEqual(new Set(['platform-controllers']));
      }
      expect(find(docs, cluster, 'PrometheusRule').map(layerOf)).toContain('platform-configs');
    }
    for (const kind of ['ScrapeConfig', 'PrometheusRule', 'ConfigMap'])
      expect(new Set(find(docs, 'aws', kind).map(layerOf))).toEqual(new Set(['platform-configs']));
  });

  it('serves Grafana only through its HTTPS Gateway listener, to the Envoy pods, with no anonymous access', () => {
    const [route] = find(docs, 'aws', 'HTTPRoute', 'grafana').map((d) => d.object as any);
    expect(route.spec.hostnames).toEqual(['grafana.aws.acme.example']);
    expect(route.spec.parentRefs[0].sectionName).toBe('https-grafana');
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'kube-prometheus-stack-grafana', port: 80 }]);
    const policy = find(docs, 'aws', 'NetworkPolicy', 'allow-gateway-to-grafana')[0]!.object as any;
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 3000 }]);
    const release = find(docs, 'aws', 'HelmRelease', 'kube-prometheus-stack')[0]!.object as any;
    const ini = release.spec.values.grafana['grafana.ini'];
    expect(ini['auth.anonymous']).toEqual({ enabled: false });
    expect(ini.server.root_url).toBe('https://grafana.aws.acme.example/');
    expect(ini.security.cookie_secure).toBe(true);
    expect(find(docs, 'onprem', 'HTTPRoute')).toEqual([]);
  });

  it('pins the chart and labels everything Prometheus must select', () => {
    const release = find(docs, 'aws', 'HelmRelease', 'kube-prometheus-stack')[0]!.object as any;
    expect(release.spec.chart.spec.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const d of docs.filter((d) => ['PrometheusRule', 'ScrapeConfig'].includes(d.object.kind!))) {
      expect(d.object.metadata?.labels).toMatchObject(MONITORING_SELECTOR);
    }
    const spec = release.spec.values.prometheus.prometheusSpec;
    for (const kind of ['serviceMonitor', 'podMonitor', 'rule', 'scrapeConfig']) {
      expect(spec[`${kind}Selector`]).toEqual({ matchLabels: MONITORING_SELECTOR });
      expect(spec[`${kind}NamespaceSelector`]).toEqual({});
    }
  });

  it('gives each Prometheus its external labels, retention and storage class from the model', () => {
    const values = (cluster: string) => (find(docs, cluster, 'HelmRelease')[0]!.object as any).spec.values;
    expect(values('aws').prometheus.prometheusSpec.externalLabels).toEqual({ cluster: 'aws', region: 'eu-central-1' });
    expect(values('onprem').prometheus.prometheusSpec.externalLabels).toEqual({ cluster: 'onprem', site: 'fra-dc1' });
    expect(values('onprem').prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(
      'local-path',
    );
    expect(values('aws').prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe('gp3');
    expect(values('aws').prometheus.prometheusSpec.retention).toBe('30d');
    expect(values('aws').grafana.enabled).toBe(true);
    expect(values('aws').grafana.sidecar.dashboards).toMatchObject({
      label: 'grafana_dashboard',
      labelValue: '1',
      searchNamespace: 'ALL',
    });
    expect(values('onprem').grafana).toEqual({ enabled: false });
    const receivers = values('onprem').alertmanager.config.receivers.map((r: any) => r.name);
    expect(receivers).toEqual(['on-call', 'dead-mans-switch', 'discard']);
  });

  it('remote-writes the aws Prometheus to its AMP workspace with SigV4, IRSA credentials and an egress allow', () => {
    const values = (cluster: string) => (find(docs, cluster, 'HelmRelease')[0]!.object as any).spec.values.prometheus;
    const { workspaceId } = (estate.clusters[0]!.platform.monitoring as MonitoringValues).remoteWrite!;
    const aws = values('aws');
    expect(aws.serviceAccount).toEqual({ create: true, name: PROMETHEUS_SERVICE_ACCOUNT });
    expect(aws.prometheusSpec.remoteWrite).toEqual([
      {
        url: `https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/${workspaceId}/api/v1/remote_write`,
        sigv4: { region: 'eu-central-1' },
      },
    ]);
    const credentials = irsaCredentials('arn:aws:iam::111122223333:role/aws-prometheus-remote-write');
    expect(aws.prometheusSpec.containers).toEqual([{ name: 'prometheus', env: credentials.env }]);
    expect(aws.prometheusSpec.volumes).toEqual(credentials.volumes);
    expect(aws.prometheusSpec.volumeMounts).toEqual(credentials.mounts);
    const egress = find(docs, 'aws', 'NetworkPolicy', 'allow-prometheus-remote-write')[0]!.object as any;
    expect(egress.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prometheus' } });
    expect(egress.spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.10.0.0/16', '10.20.0.0/16', '10.21.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]);
    expect(values('onprem').prometheusSpec.remoteWrite).toBeUndefined();
    expect(find(docs, 'onprem', 'NetworkPolicy', 'allow-prometheus-remote-write')).toEqual([]);
  });

  it('exposes /federate on-prem only behind the mTLS gateway, reachable only from the aws networks', () => {
    const service = find(docs, 'onprem', 'Service', 'federate-gateway')[0]!.object as any;
    expect(service.spec).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ports: [{ port: 9443 }],
    });
    expect(service.metadata.annotations['metallb.io/loadBalancerIPs']).toBe('10.30.0.240');
    const policy = find(docs, 'onprem', 'NetworkPolicy', 'allow-federation-from-central')[0]!.object as any;
    expect(policy.spec.ingress[0].from.map((p: any) => p.ipBlock.cidr)).toEqual(['10.10.0.0/16', '10.20.0.0/16']);
    expect(find(docs, 'onprem', 'ScrapeConfig')).toEqual([]);
    const egress = find(docs, 'aws', 'NetworkPolicy', 'allow-federation-to-sources')[0]!.object as any;
    expect(egress.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.30.0.240/32' } }], ports: [{ protocol: 'TCP', port: 9443 }] },
    ]);
  });

  it("admits only the central cluster's certificate, only on /federate, and proxies one Prometheus replica", () => {
    const config = gatewayConfig(['aws'], clusterDnsAddress(estate.clusters[1]!));
    expect(config).toContain('ssl_verify_client on;');
    expect(config).toContain('"CN=prometheus-aws" 1;');
    expect(config).toMatch(/location = \/federate \{[^}]*if \(\$federation_client = 0\) \{ return 403; \}/);
    expect(config).toContain(
      'set $prometheus http://prometheus-kube-prometheus-stack-0.prometheus-operated.monitoring.svc.cluster.local:9090;',
    );
    expect(config).toContain('proxy_pass $prometheus;');
    expect(config).toContain('resolver 10.41.0.10 valid=30s;');
    expect(config).toContain('location / { return 404; }');
  });

  it('declares the SOPS secrets and references them from the kustomizations', () => {
    expect(rendering.secrets.map((s) => `${s.cluster}/${s.namespace}/${s.name}`).sort()).toEqual([
      'aws/monitoring/alertmanager-receivers',
      'aws/monitoring/federate-client-onprem',
      'aws/monitoring/grafana-admin',
      'onprem/monitoring/alertmanager-receivers',
      'onprem/monitoring/federate-gateway-tls',
    ]);
  });

  it('ships the hybrid overview dashboard to the Grafana sidecar', () => {
    const [dashboard] = find(docs, 'aws', 'ConfigMap', 'dashboard-hybrid-overview');
    expect(dashboard!.object.metadata).toMatchObject({ labels: DASHBOARD_LABELS, annotations: DASHBOARD_ANNOTATIONS });
    const json = JSON.parse((dashboard!.object as any).data['hybrid-overview.json']);
    expect(json.templating.list[0].name).toBe('cluster');
    // Platform panels only: this estate's catalogue holds monitoring alone (components add theirs, see task-tracker).
    const repeated = json.panels.filter((p: any) => p.repeat === 'cluster');
    expect(repeated.length).toBeGreaterThanOrEqual(5);
    const used = new Set(JSON.stringify(json.panels).match(/[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/g));
    const federated = federatedSeries(installed(estate.clusters.find((c) => c.name === 'onprem')!, realCatalogue));
    for (const name of used) expect(federated).toContain(name);
  });

  it('loads into the central Grafana every declared dashboard that reads only Prometheus, and no other', () => {
    const real = [...renderEstate(estate, realCatalogue).files].flatMap(([f, t]) => parseManifests(f, t).docs);
    const loaded = real.filter((d) => d.object.kind === 'ConfigMap' && d.object.metadata?.labels?.grafana_dashboard);
    expect(loaded.map((d) => `${d.cluster}/${d.object.metadata!.namespace}/${d.object.metadata!.name}`).sort()).toEqual(
      [
        'aws/monitoring/dashboard-flux',
        'aws/monitoring/dashboard-hybrid-overview',
        'aws/monitoring/dashboard-node-autoscaling',
        'aws/monitoring/dashboard-node-lifecycle',
        'aws/monitoring/dashboard-task-tracker',
      ],
    );
    // The log-export dashboard is declared too, but its Athena panel needs the managed Grafana's data source.
    const aws = estate.clusters.find((c) => c.name === 'aws')!;
    const declared = dashboardsOf(clusterContext(estate, aws, realCatalogue)).map((d) => d.uid);
    expect(declared.sort()).toEqual([
      'flux',
      'hybrid-overview',
      'log-export',
      'node-autoscaling',
      'node-lifecycle',
      'task-tracker',
    ]);
    for (const d of loaded) {
      const [json] = Object.values((d.object as any).data as Record<string, string>).map((t) => JSON.parse(t));
      expect([...datasourcesOf(json)]).toEqual([PROMETHEUS_DATASOURCE_UID]);
    }
  });

  it('renders the same output twice', () => {
    expect([...render().rendering.files]).toEqual([...rendering.files]);
  });
});

describe('model checks', () => {
  const problemsAfter = (change: (model: Estate) => void) => {
    const model = monitoringEstate();
    change(model);
    return findProblems(model, catalogue);
  };
  const values = (model: Estate, i: number) => model.clusters[i]!.platform.monitoring as MonitoringValues;
  const source = (model: Estate) => values(model, 1).federation as any;
  const central = (model: Estate) => values(model, 0).federation as any;

  it('accepts the real model', () => {
    expect(findProblems(monitoringEstate(), catalogue)).toEqual([]);
  });

  it('wants an AMP workspace id on aws clusters and none elsewhere', () => {
    expect(problemsAfter((m) => (values(m, 0).remoteWrite = { workspaceId: 'my-workspace' }))).toEqual([
      'cluster "aws": field platform.monitoring.remoteWrite.workspaceId "my-workspace" is not an AMP workspace id (ws-<uuid>): set the id of the stack output analysis.prometheusEndpoint (bootstrap/aws); aws clusters remote-write there',
    ]);
    expect(problemsAfter((m) => delete values(m, 0).remoteWrite)).toEqual([
      'cluster "aws": field platform.monitoring.remoteWrite.workspaceId undefined is not an AMP workspace id (ws-<uuid>): set the id of the stack output analysis.prometheusEndpoint (bootstrap/aws); aws clusters remote-write there',
    ]);
    expect(problemsAfter((m) => (values(m, 1).remoteWrite = values(m, 0).remoteWrite))).toEqual([
      'cluster "onprem": field platform.monitoring.remoteWrite is for aws clusters only: the workspace is in their account and region',
    ]);
  });

  it('rejects a federation endpoint outside the source cluster', () => {
    expect(problemsAfter((m) => (source(m).endpoint.address = '10.10.0.5'))).toEqual([
      'cluster "onprem": field platform.monitoring.federation.endpoint.address "10.10.0.5" must be an address in the node network 10.30.0.0/24',
      'cluster "onprem": field platform.monitoring.federation.endpoint.address 10.10.0.5 is outside loadBalancerPool 10.30.0.240-10.30.0.254',
    ]);
    expect(problemsAfter((m) => (source(m).endpoint.hostname = 'prometheus.example.com'))).toEqual([
      'cluster "onprem": field platform.monitoring.federation.endpoint.hostname "prometheus.example.com" must be a host under the cluster domain onprem.acme.internal',
    ]);
  });

  it('rejects a Grafana host outside the domain or without a listener', () => {
    expect(problemsAfter((m) => (central(m).grafana = { hostname: 'grafana.example.org', listener: '' }))).toEqual([
      'cluster "aws": field platform.monitoring.federation.grafana.hostname "grafana.example.org" must be a host under aws.acme.example',
      'cluster "aws": field platform.monitoring.federation.grafana.listener must name the Gateway listener Grafana is served through',
    ]);
  });

  it('rejects a federation scrape that cannot work', () => {
    expect(problemsAfter((m) => (central(m).sources[0].timeout = '30s'))).toEqual([
      'cluster "aws": field platform.monitoring.federation.sources[0].timeout 30s must be shorter than the interval 30s',
    ]);
    expect(problemsAfter((m) => (central(m).sources[0].cluster = 'aws'))).toEqual([
      'cluster "aws": field platform.monitoring.federation.sources[0].cluster "aws" is not a cluster whose monitoring role is source',
      'cluster "onprem": field platform.monitoring.federation no central cluster federates this source; add it to a central cluster\'s federation.sources',
    ]);
  });

  it('rejects bad Prometheus sizing', () => {
    const problems = problemsAfter((m) => {
      const p = values(m, 0).prometheus;
      p.retention = '30 days';
      p.memoryLimit = '4G';
    });
    expect(problems).toEqual([
      'cluster "aws": field platform.monitoring.prometheus.retention "30 days" is not a duration like 15d',
      'cluster "aws": field platform.monitoring.prometheus.memoryLimit "4G" is not a memory quantity like "256Mi"',
    ]);
  });
});

describe('federation repo check', () => {
  const { docs } = render();
  const scrapeConfig = () => structuredClone(find(docs, 'aws', 'ScrapeConfig')[0]!);
  const withSpec = (change: (spec: any) => void): ManifestDoc => {
    const doc = scrapeConfig();
    change(doc.object.spec);
    return doc;
  };

  it('passes the rendered estate', () => {
    expect(federationScrapeCheck.run(docs)).toEqual([]);
  });

  it('rejects a federation ScrapeConfig without honorLabels', () => {
    const problems = federationScrapeCheck.run([withSpec((s) => delete s.honorLabels)]);
    expect(problems).toEqual([
      {
        file: 'clusters/aws/platform-configs/monitoring/scrapeconfig-federate-onprem.yaml',
        index: 0,
        object: 'ScrapeConfig/monitoring/federate-onprem',
        path: 'spec.honorLabels',
        message:
          "a federation scrape must set honorLabels: true, or the source's job, instance and cluster labels are overwritten",
      },
    ]);
  });

  it('rejects catch-all match[] selectors', () => {
    for (const selector of [
      '{__name__=~".+"}',
      '{job=~".*"}',
      '{__name__=~"namespace_job:.*"}',
      '{job="task-tracker"}',
    ]) {
      const problems = federationScrapeCheck.run([withSpec((s) => s.params['match[]'].push(selector))]);
      expect(
        problems.map((p) => p.path),
        selector,
      ).toEqual(['spec.params.match[][1]']);
      expect(problems[0]!.message).toContain('does not name its series exactly');
    }
    expect(federationScrapeCheck.run([withSpec((s) => delete s.params)])[0]!.message).toContain(
      'needs match[] selectors',
    );
  });

  it("refuses raw series such as up, which would answer the central cluster's alerts (issue 23 defect 5)", () => {
    expect(federationScrapeCheck.run([withSpec(() => {})])).toEqual([]);
    for (const selector of ['up', '{__name__="up"}', '{__name__=~"a:b:c|up"}']) {
      const problems = federationScrapeCheck.run([withSpec((s) => s.params['match[]'].push(selector))]);
      expect(
        problems.map((p) => p.message),
        selector,
      ).toEqual([expect.stringContaining('federates raw series up')]);
    }
  });

  it('accepts selectors that name series exactly', () => {
    for (const selector of [
      'up',
      'up{job="x"}',
      '{__name__="up"}',
      '{__name__=~"a:b:c|up"}',
      '{job="x", __name__="up"}',
    ]) {
      expect(catchAllReason(selector), selector).toBeUndefined();
    }
  });
});

describe('scrape job derivation', () => {
  const { docs } = render();
  const object = find(docs, 'aws', 'ScrapeConfig')[0]!.object;
  const env = { secretFile: (name: string, key: string) => `/secrets/${name}/${key}`, target: (t: string) => t };

  it('carries over every field of the rendered ScrapeConfig', () => {
    expect(scrapeJobFromScrapeConfig(object, env)).toEqual({
      job_name: 'federate-onprem',
      honor_labels: true,
      metrics_path: '/federate',
      scheme: 'https',
      params: (object.spec as any).params,
      scrape_interval: '30s',
      scrape_timeout: '10s',
      sample_limit: 5000,
      static_configs: [{ targets: ['10.30.0.240:9443'] }],
      tls_config: {
        server_name: 'prometheus-federate.onprem.acme.internal',
        ca_file: '/secrets/federate-client-onprem/ca.crt',
        cert_file: '/secrets/federate-client-onprem/tls.crt',
        key_file: '/secrets/federate-client-onprem/tls.key',
      },
    });
  });

  it('refuses a field it does not translate, rather than dropping it', () => {
    const changed: KubeObject = { ...object, spec: { ...(object.spec as object), relabelings: [] } };
    expect(() => scrapeJobFromScrapeConfig(changed, env)).toThrow(
      'ScrapeConfig/monitoring/federate-onprem: spec.relabelings is not supported by the scrape-job derivation',
    );
  });
});
