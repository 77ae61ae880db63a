// etcd snapshots on the real model: the CronJob's rendered configuration (what talos-backup reads, the identity per
// provider, where it runs), the values checks, the snapshot-age alert through the real promtool, and the gates.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { PROMTOOL } from '../monitoring/tools';
import { GRACE_SECONDS, SNAPSHOT_ALERT } from './alerts';
import { IMAGE, schedule } from './index';
import { validateEtcdBackup } from './values';

const docs = componentDocs('etcd-backup');
const find = (cluster: string, kind: string) =>
  docs.filter((d) => d.cluster === cluster && d.object.kind === kind).map((d) => d.object as any);
const job = (cluster: string) => find(cluster, 'CronJob')[0];
const pod = (cluster: string) => job(cluster).spec.jobTemplate.spec.template.spec;
const env = (cluster: string) =>
  Object.fromEntries(
    pod(cluster).containers[0].env.map((e: any) => [e.name, e.value ?? `secret ${e.valueFrom.secretKeyRef.name}`]),
  );

describe('the snapshot job', () => {
  it.each(['aws', 'onprem'])('on %s uploads age-encrypted snapshots under the cluster prefix', (cluster) => {
    expect(job(cluster).spec).toMatchObject({
      schedule: '0 */6 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
    });
    expect(pod(cluster).containers[0].image).toBe(IMAGE);
    expect(env(cluster)).toMatchObject({
      BUCKET: estate.logArchive.bucket,
      AWS_REGION: estate.logArchive.region,
      S3_PREFIX: `etcd-snapshots/cluster=${cluster}`,
      CLUSTER_NAME: cluster,
      AGE_X25519_PUBLIC_KEY: expect.stringMatching(/^age1/),
    });
    // Never DISABLE_ENCRYPTION: talos-backup encrypts unless told not to.
    expect(Object.keys(env(cluster))).not.toContain('DISABLE_ENCRYPTION');
    expect(pod(cluster).volumes).toContainEqual({ name: 'talosconfig', secret: { secretName: 'talosconfig' } });
    expect(pod(cluster).containers[0].volumeMounts).toContainEqual({
      name: 'talosconfig',
      mountPath: '/var/run/secrets/talos.dev',
      readOnly: true,
    });
    expect(pod(cluster).nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
  });

  it('assumes its IRSA role on aws and uses the write-only key from its SOPS Secret on-prem', () => {
    expect(env('aws')).toMatchObject({
      AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/aws-etcd-snapshot-writer',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/sts.amazonaws.com/serviceaccount/token',
    });
    expect(Object.keys(env('aws'))).not.toContain('AWS_ACCESS_KEY_ID');
    expect(env('onprem')).toMatchObject({
      AWS_ACCESS_KEY_ID: 'secret s3-writer',
      AWS_SECRET_ACCESS_KEY: 'secret s3-writer',
    });
    expect(Object.keys(env('onprem'))).not.toContain('AWS_ROLE_ARN');
  });

  it('may reach only the Talos API on the node network and HTTPS outside the cluster', () => {
    const egress = (name: string) => find('aws', 'NetworkPolicy').find((p) => p.metadata.name === name).spec.egress;
    expect([...egress('allow-talos-api'), ...egress('allow-s3')]).toEqual([
      { to: [{ ipBlock: { cidr: '10.10.0.0/16' } }], ports: [{ protocol: 'TCP', port: 50000 }] },
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.20.0.0/16', '10.21.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]);
  });

  it('runs every N hours from midnight, once a day for 24', () => {
    expect(schedule(1)).toBe('0 */1 * * *');
    expect(schedule(24)).toBe('0 0 * * *');
  });
});

describe('values', () => {
  const good = { intervalHours: 6, retentionDays: 14, ageRecipient: `age1${'q'.repeat(58)}` };
  it('accept the model and name each bad field', () => {
    expect(validateEtcdBackup(good)).toEqual([]);
    expect(validateEtcdBackup({ ...good, intervalHours: 5 }).map((p) => p.field)).toEqual(['intervalHours']);
    expect(validateEtcdBackup({ ...good, retentionDays: 3 }).map((p) => p.field)).toEqual(['retentionDays']);
    expect(validateEtcdBackup({ ...good, ageRecipient: 'ssh-ed25519 AAAA' })).toEqual([
      { field: 'ageRecipient', message: 'must be an age public key (age1…), got "ssh-ed25519 AAAA"' },
    ]);
  });
});

describe(`${SNAPSHOT_ALERT} (promtool test rules)`, () => {
  const promtool = buildGoTool(PROMTOOL);
  const dir = mkdtempSync(join(tmpdir(), 'etcd-backup-alerts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rule = find('aws', 'PrometheusRule')[0];
  const labels = 'namespace="etcd-backup", cronjob="etcd-snapshot"';
  const limitMinutes = (6 * 3600 + GRACE_SECONDS) / 60;

  /** Series in minutes: the CronJob created at 0, and the last success's timestamp (seconds) as the jobs set it. */
  function run(lastSuccess: string | undefined, at: string, fires: boolean) {
    const spec = structuredClone(rule.spec);
    for (const r of spec.groups.flatMap((g: any) => g.rules)) delete r.annotations;
    writeFileSync(join(dir, 'rules.yaml'), stringify(spec));
    const input = [
      { series: `kube_cronjob_created{${labels}}`, values: '0x1000' },
      ...(lastSuccess ? [{ series: `kube_cronjob_status_last_successful_time{${labels}}`, values: lastSuccess }] : []),
    ];
    const exp = fires
      ? [{ exp_labels: { severity: 'critical', namespace: 'etcd-backup', cronjob: 'etcd-snapshot' } }]
      : [];
    writeFileSync(
      join(dir, 'test.yaml'),
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: input,
            alert_rule_test: [{ eval_time: at, alertname: SNAPSHOT_ALERT, exp_alerts: exp }],
          },
        ],
      }),
    );
    const result = spawnSync(promtool, ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  }

  // A success every 6 hours: at minute 0, 360, 720… the timestamp jumps to that minute in seconds.
  const everySixHours = Array.from({ length: 4 }, (_, i) => `${i * 21600}x359`).join(' ');

  it('stays quiet while a snapshot succeeds every interval', () => {
    const result = run(everySixHours, '1400m', false);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('fires once the last success is older than the interval and its grace', () => {
    // Succeeded at minute 0, then never again.
    expect(run('0x1000', `${limitMinutes + 10}m`, true).ok).toBe(true);
    expect(run('0x1000', `${limitMinutes - 10}m`, false).ok).toBe(true);
  });

  it('fires when the job has never succeeded since the CronJob was created', () => {
    expect(run(undefined, `${limitMinutes + 10}m`, true).ok).toBe(true);
  });

  it('fails when an expected alert does not fire (the test can fail)', () => {
    const result = run(everySixHours, '1400m', true);
    expect(result.output).toMatch(/FAILED/);
    expect(result.ok).toBe(false);
  });
});

describe('gates', () => {
  it('finds the committed files current, within policy and valid', async () => {
    expect(await gateProblems('etcd-backup')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
