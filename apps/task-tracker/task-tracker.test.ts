// The task-tracker bundle as it renders for each cluster of the model.
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { Cluster } from '../../generators/model';
import type { RenderContext } from '../../generators/component';
import { ModelError } from '../../generators/model-check';
import { renderEstate } from '../../generators/render';
import { versions } from '../../generators/versions';
import { MONITORING_SELECTOR } from '../../platform/monitoring/api';
import { ENVOY_POD_LABELS } from '../../platform/gateway/api';
import { NAMESPACE } from './api';
import { SHUTDOWN_DRAIN_DELAY_SECONDS, SHUTDOWN_TIMEOUT_SECONDS, taskTracker } from './task-tracker';
import type { TaskTrackerValues } from './values';
import { catalogue } from '../../generators/estate/catalogue';
import { clusterContext } from '../../generators/registries';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};

/** The SOPS Secrets each cluster's render declares: [layer, namespace, name, keys]. */
const declaredSecrets = new Map<string, unknown[][]>();

function synth(
  cluster: Cluster,
  values = cluster.apps['task-tracker'] as TaskTrackerValues,
  installed: RenderContext['installed'] = () => [],
): Manifest[] {
  const chart = Testing.chart();
  declaredSecrets.delete(cluster.name);
  const ctx: RenderContext = {
    estate,
    cluster,
    chart: (layer) => {
      expect(layer).toBe('apps');
      return chart;
    },
    secret: (...args) => {
      expect(args.slice(0, 2)).toEqual(['apps', NAMESPACE]);
      declaredSecrets.set(cluster.name, [...(declaredSecrets.get(cluster.name) ?? []), args]);
    },
    installed,
  };
  taskTracker.render(ctx, values);
  return Testing.synth(chart) as Manifest[];
}

const clusterNamed = (name: string) => estate.clusters.find((c) => c.name === name)!;
const one = (objects: Manifest[], kind: string, name = 'task-tracker', count = 1) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(count);
  return found[0]!;
};
const container = (objects: Manifest[]) => one(objects, 'Deployment').spec.template.spec.containers[0];
const env = (objects: Manifest[]) =>
  Object.fromEntries(container(objects).env.map((e: { name: string; value: string }) => [e.name, e.value]));

describe('task-tracker bundle', () => {
  const aws = synth(clusterNamed('aws'));
  const onprem = synth(clusterNamed('onprem'));

  it('differs between the clusters only where the model says', () => {
    expect(one(aws, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(one(onprem, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    // Each site's own name, and the public name every site serves (Route 53 picks the primary).
    expect(one(aws, 'HTTPRoute').spec.hostnames).toEqual(['tasks.aws.acme.example']);
    expect(one(onprem, 'HTTPRoute').spec.hostnames).toEqual(['tasks.onprem.acme.internal']);
    for (const objects of [aws, onprem])
      expect(one(objects, 'HTTPRoute', 'task-tracker-public').spec.hostnames).toEqual(['tasks.acme.example']);
    expect(aws.filter((o) => o.kind === 'Ingress')).toEqual([]);

    // The database's role and S3 access differ by design: platform/cloudnative-pg/cloudnative-pg.test.ts. The image
    // differs by the model's registry, checked below.
    const strip = (objects: Manifest[]) =>
      JSON.parse(
        JSON.stringify(
          objects.filter(
            (o) =>
              !['HorizontalPodAutoscaler', 'HTTPRoute', 'Cluster', 'ScheduledBackup'].includes(o.kind) &&
              o.metadata.name !== 'allow-database-egress',
          ),
        ).replaceAll(container(objects).image, '<image>'),
      );
    expect(strip(aws)).toEqual(strip(onprem));
  });

  it('reads its shared state from the database on every site, with the owner password from a SOPS Secret', () => {
    for (const objects of [aws, onprem]) {
      expect(env(objects).DATABASE_URL).toBe(
        'postgres://app@task-tracker-db-rw.task-tracker.svc:5432/app?sslmode=require',
      );
      expect(container(objects).env).toContainEqual({
        name: 'PGPASSWORD',
        valueFrom: { secretKeyRef: { name: 'task-tracker-db-owner', key: 'password' } },
      });
      expect(one(objects, 'Cluster', 'task-tracker-db').spec.instances).toBe(2);
    }
    const names = (cluster: string) => declaredSecrets.get(cluster)!.map((args) => args[2]);
    expect(names('aws')).toEqual(['task-tracker-api-keys', 'task-tracker-db-owner']);
    // kafka-task-tracker: the client's copy of its Kafka credentials, where the cluster runs streaming.
    expect(names('onprem')).toEqual([
      'task-tracker-api-keys',
      'kafka-task-tracker',
      'task-tracker-db-owner',
      'task-tracker-db-s3',
    ]);
  });

  it("attaches to the model listeners of the Gateway in the cluster's gateway namespace, admitting only Envoy", () => {
    const base = clusterNamed('onprem');
    const cluster = { ...base, ingress: { ...base.ingress, controllerNamespace: 'edge-system' } };
    const objects = synth(cluster);
    const gateway = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'edge-system' };
    expect(one(objects, 'HTTPRoute').spec.parentRefs).toEqual([{ ...gateway, sectionName: 'https-tasks' }]);
    expect(one(objects, 'HTTPRoute', 'task-tracker-public').spec.parentRefs).toEqual([
      { ...gateway, sectionName: 'https-tasks-public' },
    ]);
    expect(one(objects, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ name: 'task-tracker', port: 8080 }]);
    expect(one(objects, 'NetworkPolicy', 'allow-gateway').spec.ingress[0].from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge-system' } },
        podSelector: { matchLabels: ENVOY_POD_LABELS },
      },
    ]);
  });

  it('runs a pinned image, with explicit resources, every probe and a restricted security context', () => {
    const c = container(aws);
    // The aws cluster pulls from its account's ECR (the model's registry), on-prem from GHCR.
    expect(c.image).toBe(`111122223333.dkr.ecr.eu-central-1.amazonaws.com/task-tracker:${versions.taskTracker.tag}`);
    expect(container(onprem).image).toBe(`${versions.taskTracker.image}:${versions.taskTracker.tag}`);
    expect(c.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(c.startupProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8080 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8080 });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(one(aws, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('health probes flood the data set: readiness and liveness at most 10 times a minute, startup still 30 s', () => {
    const c = container(aws);
    const perMinute = (probe: { periodSeconds: number }) => 60 / probe.periodSeconds;
    expect(perMinute(c.readinessProbe) + perMinute(c.livenessProbe)).toBeLessThanOrEqual(10);
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(30);
    expect(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(env(aws).LOG_LEVEL).toBe('info');
  });

  it('leaves the replica count to the HPA, never loses capacity in a rollout and spreads pods', () => {
    const deployment = one(aws, 'Deployment');
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(one(aws, 'HorizontalPodAutoscaler')).toMatchObject({
      apiVersion: 'autoscaling/v2',
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'task-tracker' } },
    });
    const spread = deployment.spec.template.spec.topologySpreadConstraints as {
      topologyKey: string;
      labelSelector: unknown;
    }[];
    expect(spread.map((s) => s.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const s of spread)
      expect(s.labelSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'task-tracker' } });
    expect(one(aws, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'task-tracker' } },
    });
  });

  it('gives the pod longer to terminate than the service takes to shut down', () => {
    const grace = one(aws, 'Deployment').spec.template.spec.terminationGracePeriodSeconds as number;
    expect(env(aws)).toMatchObject({
      SHUTDOWN_DRAIN_DELAY: `${SHUTDOWN_DRAIN_DELAY_SECONDS}s`,
      SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_SECONDS}s`,
    });
    expect(grace).toBeGreaterThan(SHUTDOWN_DRAIN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS);
    expect(env(aws)).not.toHaveProperty('DEBUG_ROUTES');
  });

  it('selects pods by app.kubernetes.io labels only, and the Service names its http and metrics ports', () => {
    expect(JSON.stringify(aws)).not.toContain('cdk8s.io/metadata.addr');
    const pods = one(aws, 'Deployment').spec.template.metadata.labels;
    expect(one(aws, 'Deployment').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'task-tracker' });
    const service = one(aws, 'Service');
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'task-tracker' });
    expect(pods).toMatchObject(service.spec.selector);
    expect(service.spec).not.toHaveProperty('externalIPs');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 8080 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ]);
    const containerPorts = container(aws).ports.map(
      (p: { name: string; containerPort: number }) => `${p.name}:${p.containerPort}`,
    );
    expect(containerPorts).toEqual(['http:8080', 'metrics:9090']);
  });

  it('puts every namespaced object into a restricted namespace', () => {
    const namespace = one(aws, 'Namespace', NAMESPACE);
    for (const mode of ['enforce', 'audit', 'warn'])
      expect(namespace.metadata.labels![`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    for (const o of aws.filter((o) => o.kind !== 'Namespace'))
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
  });

  it('denies all traffic but DNS, the Gateway, Prometheus and the database flows', () => {
    const policies = Object.fromEntries(
      aws.filter((o) => o.kind === 'NetworkPolicy').map((o) => [o.metadata.name, o.spec]),
    );
    expect(Object.keys(policies).sort()).toEqual([
      'allow-app-to-database',
      'allow-database-egress',
      'allow-database-ingress',
      'allow-dns',
      'allow-gateway',
      'allow-prometheus-scrape',
      'default-deny',
    ]);
    expect(policies['default-deny']).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policies['allow-dns'].egress[0].ports.map((p: { protocol: string }) => p.protocol)).toEqual(['UDP', 'TCP']);
    expect(policies['allow-gateway'].ingress[0].ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    expect(policies['allow-prometheus-scrape'].ingress[0]).toEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 'metrics' }],
    });
    // The app's pods reach DNS and their database only; the database's pods also S3 and the Kubernetes API.
    expect(policies['allow-app-to-database'].egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'task-tracker-db' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
    expect(policies['allow-database-egress'].podSelector).toEqual({
      matchLabels: { 'cnpg.io/cluster': 'task-tracker-db' },
    });
    const egress = Object.values(policies).filter((p) => p.egress);
    expect(egress).toHaveLength(3);
  });

  it('is scraped, alerted on and graphed through the labels kube-prometheus-stack and Grafana select', () => {
    const monitor = one(aws, 'ServiceMonitor');
    expect(monitor.metadata.labels).toMatchObject(MONITORING_SELECTOR);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(monitor.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(one(aws, 'Service').metadata.labels!['app.kubernetes.io/name']).toBe('task-tracker');

    const rule = one(aws, 'PrometheusRule');
    expect(rule.metadata.labels).toMatchObject(MONITORING_SELECTOR);
    expect(
      rule.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((r) => r.alert).filter(Boolean)),
    ).toEqual([
      'TaskTrackerErrorBudgetBurnFast',
      'TaskTrackerErrorBudgetBurnSlow',
      'TaskTrackerLatencyHigh',
      'TaskTrackerTargetMissing',
    ]);

    // The dashboard is declared, not rendered here: platform/monitoring loads it into the in-cluster Grafana.
    expect(one(aws, 'ConfigMap', 'dashboard-task-tracker', 0)).toBeUndefined();
    const [json] = taskTracker.dashboards!({ estate, cluster: clusterNamed('aws'), installed: () => [] }, {} as never);
    expect(json!.uid).toBe('task-tracker');
    expect((json!.panels as { title: string }[]).map((p) => p.title)).toEqual(
      expect.arrayContaining(['Requests per second by route', 'Error ratio (5xx)', 'Queue depth']),
    );
  });

  it('renders the same bytes twice', () => {
    const first = renderEstate(estate, catalogue);
    const second = renderEstate(estate, catalogue);
    const ours = (files: Map<string, string>) => [...files].filter(([path]) => path.includes('/apps/task-tracker/'));
    // 14 files on each cluster (two HTTPRoutes), the database's Cluster and its 3 NetworkPolicies, and on the primary
    // site (onprem) the daily backup and, where streaming runs (onprem), the egress to Kafka; the SOPS files are not
    // rendered.
    expect(ours(first.files).length).toBe(2 * 18 + 1 + 1);
    expect(ours(second.files)).toEqual(ours(first.files));
  });
});

describe('task events to Kafka, where the cluster runs streaming', () => {
  const asModelled = (name: string) => {
    const cluster = clusterNamed(name);
    return synth(cluster, undefined, clusterContext(estate, cluster, catalogue).installed);
  };
  const onprem = asModelled('onprem');
  const aws = asModelled('aws');

  it('publishes on onprem as the Kafka user task-tracker, over TLS with the password and CA from its Secret', () => {
    expect(env(onprem)).toMatchObject({
      TASK_EVENTS_BROKERS: 'events-kafka-bootstrap.kafka.svc:9093',
      TASK_EVENTS_TOPIC: 'task-events',
      TASK_EVENTS_USERNAME: 'task-tracker',
      TASK_EVENTS_PASSWORD_FILE: '/etc/task-tracker/kafka/password',
      TASK_EVENTS_CA_FILE: '/etc/task-tracker/kafka/ca.crt',
    });
    expect(container(onprem).volumeMounts).toContainEqual({
      mountPath: '/etc/task-tracker/kafka',
      name: 'kafka-user',
      readOnly: true,
    });
    const volume = one(onprem, 'Deployment').spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'kafka-user',
    );
    expect(volume.secret.secretName).toBe('kafka-task-tracker');
    expect(volume.secret.items.map((i: { key: string }) => i.key).sort()).toEqual(['ca.crt', 'password']);
    expect(one(onprem, 'NetworkPolicy', 'allow-kafka').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'task-tracker' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kafka' } } }],
          ports: [{ protocol: 'TCP', port: 9093 }],
        },
      ],
    });
  });

  it('publishes nothing on aws, which does not run streaming: no variable, no Secret, no egress', () => {
    expect(Object.keys(env(aws)).filter((k) => k.startsWith('TASK_EVENTS_'))).toEqual([]);
    expect(JSON.stringify(aws)).not.toContain('kafka');
  });
});

describe('task-tracker values', () => {
  const withValues = (cluster: string, values: unknown) => ({
    ...estate,
    clusters: estate.clusters.map((c) =>
      c.name === cluster ? { ...c, apps: { 'task-tracker': values as TaskTrackerValues } } : c,
    ),
  });
  const problems = (cluster: string, values: unknown) => {
    try {
      renderEstate(withValues(cluster, values), catalogue);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ModelError);
      return (error as ModelError).problems;
    }
  };

  it('accepts the model as it is', () => {
    expect(problems('aws', clusterNamed('aws').apps['task-tracker'])).toEqual([]);
  });

  it.each([
    [
      'fewer than two replicas',
      { replicas: { min: 1, max: 3 }, hostname: 'tasks.aws.acme.example' },
      /apps\.task-tracker\.replicas\.min.*at least 2, got 1/,
    ],
    [
      'max below min',
      { replicas: { min: 4, max: 3 }, hostname: 'tasks.aws.acme.example' },
      /apps\.task-tracker\.replicas\.max.*from replicas\.min to 50, got 3/,
    ],
    [
      'a fractional bound',
      { replicas: { min: 2, max: 2.5 }, hostname: 'tasks.aws.acme.example' },
      /apps\.task-tracker\.replicas\.max/,
    ],
    [
      'a host outside the cluster domain',
      { replicas: { min: 2, max: 3 }, hostname: 'tasks.onprem.acme.internal' },
      /apps\.task-tracker\.hostname.*not under the cluster's domain aws\.acme\.example/,
    ],
    [
      'a host that is no DNS name',
      { replicas: { min: 2, max: 3 }, hostname: 'Tasks_AWS' },
      /apps\.task-tracker\.hostname.*must be a DNS name/,
    ],
    [
      'a database of one instance',
      { ...clusterNamed('aws').apps['task-tracker'], database: { instances: 1, storageGi: 20 } },
      /cluster "aws": field apps\.task-tracker\.database\.instances must be a whole number from 2 to 5, got 1/,
    ],
    [
      'a missing public hostname',
      { ...clusterNamed('aws').apps['task-tracker'], publicHostname: undefined },
      /cluster "aws": field apps\.task-tracker\.publicHostname must be a DNS name, got undefined/,
    ],
  ])('rejects %s, naming the cluster and the field', (_, values, message) => {
    const found = problems('aws', values);
    expect(found.join('\n')).toMatch(message);
    expect(found.join('\n')).toContain('aws');
  });
});

describe('the API keys', () => {
  it('mounts the declared SOPS Secret read-only and points the service at it', () => {
    declaredSecrets.clear();
    const objects = synth(clusterNamed('aws'));
    expect(declaredSecrets.get('aws')).toContainEqual(['apps', 'task-tracker', 'task-tracker-api-keys', ['keys']]);
    const pod = one(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: 'api-keys', secret: { secretName: 'task-tracker-api-keys', defaultMode: 0o440 } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'api-keys', mountPath: '/etc/task-tracker/keys', readOnly: true },
    ]);
    const env = Object.fromEntries(
      pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toMatchObject({ API_KEYS_FILE: '/etc/task-tracker/keys/keys', RATE_LIMIT_PER_MINUTE: '600' });
  });
});
