// Test support: Pulumi mocks that record every declared resource and provider call, and stack config read from the
// committed Pulumi.<stack>.yaml. Install the mocks, then import the program dynamically.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyResource } from '@pulumi/policy';
import * as pulumi from '@pulumi/pulumi';
import type { RegisterResourceRequest } from '@pulumi/pulumi/proto/resource_pb';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { TALOS_CONFIG_TOOL } from '../talos/tools';
import { versions } from '../../generators/versions';
import { genRequest } from '../talos/machine-config';
import { metricsWorkspaceOf } from '../../platform/monitoring/api';
import { PROJECT, SECRET_CONFIG_KEYS, stackFileConfig } from './config';

export { stackFileConfig } from './config';
import { policyResource } from './policy/harness.testkit';

export interface Declared {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  /** The resource option, which the mock API hands no mock: read from the registration request. */
  ignoreChanges: string[];
}

export interface Recorder {
  resources: Declared[];
  calls: { token: string; inputs: Record<string, any> }[];
  ofType(type: string): Declared[];
  one(type: string, name: string): Declared;
}

export const AVAILABILITY_ZONES = ['eu-central-1c', 'eu-central-1a', 'eu-central-1b'];
export const TALOS_AMI_ID = 'ami-0talos';
const MODEL_ACCOUNT_ID = estate.clusters.flatMap((c) => (c.provider === 'aws' ? [c.accountId] : []))[0]!;

/** The domain CloudFront gives the issuer's distribution: the committed model's serviceAccountIssuer (a deployed stack). */
export const DISTRIBUTION_DOMAIN = estate.clusters.flatMap((c) =>
  c.provider === 'aws' ? [new URL(c.serviceAccountIssuer).host] : [],
)[0]!;

/** The id AMP gives the metrics workspace: the committed model's remoteWrite.workspaceId (a deployed stack). */
export const METRICS_WORKSPACE_ID = estate.clusters.flatMap((c) => {
  const id = metricsWorkspaceOf(c);
  return c.provider === 'aws' && id ? [id] : [];
})[0]!;

export const MACHINE_CONFIGS = {
  talosControlPlaneConfig:
    'version: v1alpha1\nmachine:\n    token: cp-token\n    type: controlplane\ncluster:\n    id: test\n',
  talosWorkerConfig: 'version: v1alpha1\nmachine:\n    token: worker-token\n    type: worker\ncluster:\n    id: test\n',
};

/**
 * The config of the second `pulumi up`: both machine configs, and a gen-config output folder holding the OIDC documents
 * that talos-config derived from a throw-away secrets bundle.
 */
export function secondRunConfig(): Record<string, string> {
  const cluster = estate.clusters.find((c) => c.provider === 'aws')!;
  const outDir = mkdtempSync(join(tmpdir(), 'talos-out-'));
  const talosConfig = buildGoTool(TALOS_CONFIG_TOOL);
  const bundle = execFileSync(talosConfig, ['secrets', '--talos-version', versions.talos], { encoding: 'utf8' });
  execFileSync(talosConfig, ['gen'], {
    input: genRequest(cluster, 'https://aws-api.elb.eu-central-1.amazonaws.com:6443', bundle, outDir),
  });
  return {
    [`${PROJECT}:talosOutDir`]: outDir,
    [`${PROJECT}:talosControlPlaneConfig`]: MACHINE_CONFIGS.talosControlPlaneConfig,
    [`${PROJECT}:talosWorkerConfig`]: MACHINE_CONFIGS.talosWorkerConfig,
  };
}

/** Outputs that the real provider computes, so the program's exports resolve. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case 'aws:s3/bucket:Bucket':
      return {
        arn: `arn:aws:s3:::${inputs.bucket}`,
        bucketRegionalDomainName: `${inputs.bucket}.s3.eu-central-1.amazonaws.com`,
      };
    case 'aws:cloudfront/distribution:Distribution':
      return { arn: `arn:aws:cloudfront::${MODEL_ACCOUNT_ID}:distribution/EMOCK`, domainName: DISTRIBUTION_DOMAIN };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        arn: `arn:aws:elasticloadbalancing:::loadbalancer/net/${name}`,
        dnsName: `${name}.elb.eu-central-1.amazonaws.com`,
      };
    case 'aws:ec2/vpnConnection:VpnConnection':
      return {
        tunnel1Address: '198.51.100.1',
        tunnel2Address: '198.51.100.2',
        tunnel1PresharedKey: 'psk-one',
        tunnel2PresharedKey: 'psk-two',
      };
    case 'aws:iam/accessKey:AccessKey':
      return { secret: 'mock-secret-access-key' };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    // Auto-named by the engine, which the mocks are not: the name is the mock ID, so a hook naming it depends on it.
    case 'aws:autoscaling/group:Group':
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:mock:::${type.split(':')[2]}/${name}`, name: `${type.split(':')[2]}-${name}` };
    case 'aws:sqs/queue:Queue':
      return {
        arn: `arn:aws:sqs:eu-central-1:${MODEL_ACCOUNT_ID}:${inputs.name}`,
        url: `https://sqs.eu-central-1.amazonaws.com/${MODEL_ACCOUNT_ID}/${inputs.name}`,
      };
    case 'aws:amp/workspace:Workspace':
      return {
        arn: `arn:aws:aps:eu-central-1:${MODEL_ACCOUNT_ID}:workspace/${METRICS_WORKSPACE_ID}`,
        prometheusEndpoint: `https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/${METRICS_WORKSPACE_ID}/`,
      };
    case 'aws:grafana/workspace:Workspace':
      return {
        arn: `arn:aws:grafana:eu-central-1:${MODEL_ACCOUNT_ID}:/workspaces/g-mock`,
        endpoint: 'g-mock.grafana-workspace.eu-central-1.amazonaws.com',
      };
    case 'aws:ecr/repository:Repository':
      return {
        arn: `arn:aws:ecr:eu-central-1:${MODEL_ACCOUNT_ID}:repository/${inputs.name}`,
        repositoryUrl: `${MODEL_ACCOUNT_ID}.dkr.ecr.eu-central-1.amazonaws.com/${inputs.name}`,
      };
    default:
      return { arn: `arn:aws:mock:::${type.split(':')[2]}/${name}` };
  }
}

/** `accountId`: the account the mocked credentials belong to (by default the model's, as in a correct deployment). */
export function installMocks(stack: string, config: Record<string, string>, accountId = MODEL_ACCOUNT_ID): Recorder {
  const recorder: Recorder = {
    resources: [],
    calls: [],
    ofType: (type) => recorder.resources.filter((r) => r.type === type),
    one: (type, name) => {
      const found = recorder.resources.find((r) => r.type === type && r.name === name);
      if (!found)
        throw new Error(
          `no ${type} named ${name}; declared: ${recorder
            .ofType(type)
            .map((r) => r.name)
            .join(', ')}`,
        );
      return found;
    },
  };
  const ignoredByResource = new Map<string, string[]>();
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id =
          args.type === 'aws:s3/bucket:Bucket'
            ? args.inputs.bucket
            : args.type === 'aws:amp/workspace:Workspace'
              ? METRICS_WORKSPACE_ID
              : args.type === 'aws:grafana/workspace:Workspace'
                ? 'g-mock'
                : `${args.type.split(':')[2]}-${args.name}`;
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs) };
        const ignoreChanges = ignoredByResource.get(`${args.type}::${args.name}`) ?? [];
        recorder.resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state, ignoreChanges });
        return { id, state };
      },
      call(args) {
        recorder.calls.push({ token: args.token, inputs: args.inputs });
        if (args.token === 'aws:index/getAvailabilityZones:getAvailabilityZones') return { names: AVAILABILITY_ZONES };
        if (args.token === 'aws:ec2/getAmi:getAmi') return { id: TALOS_AMI_ID };
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity')
          return { accountId, arn: `arn:aws:iam::${accountId}:user/deployer`, userId: 'AIDAMOCK', id: accountId };
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    PROJECT,
    stack,
    false,
  );
  // The mock monitor calls newResource synchronously from registerResource, so the options are recorded first.
  type Register = (request: RegisterResourceRequest, done: unknown) => unknown;
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: Register };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, done) => {
    ignoredByResource.set(`${request.getType()}::${request.getName()}`, request.getIgnorechangesList());
    return register(request, done);
  };
  // Hermetic: no OIDC documents unless the test gives a folder (the repo's gitignored out/ may hold a real cluster's).
  config = { [`${PROJECT}:talosOutDir`]: mkdtempSync(join(tmpdir(), 'talos-out-')), ...config };
  const secretKeys = Object.keys(config).filter((key) =>
    SECRET_CONFIG_KEYS.some((secret) => key === `${PROJECT}:${secret}`),
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  return recorder;
}

/** Waits until every declared resource has reached the mock monitor. */
export async function settled(): Promise<void> {
  await pulumi.runtime.disconnect();
}

export interface FirstRun {
  recorder: Recorder;
  program: typeof import('./index');
}

let firstRun: Promise<FirstRun> | undefined;

/**
 * The program on the committed Pulumi.aws.yaml (the first `pulumi up`), run once per test worker and shared by the
 * files that only read what it declared: each running it again cost seconds. A file that needs another config or
 * fresh mocks installs its own and is listed in ISOLATED_PULUMI_TESTS (vitest.config.ts).
 */
export function firstRunStack(): Promise<FirstRun> {
  firstRun ??= (async () => {
    const recorder = installMocks('aws', stackFileConfig('aws'));
    const program = await import('./index');
    await settled();
    return { recorder, program };
  })();
  return firstRun;
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (await (output as unknown as { isSecret: Promise<boolean> }).isSecret) === true;
}

/** The plaintext of a secret input as the mock monitor receives it; throws if the input is not marked secret. */
export function secretInput(value: unknown): unknown {
  const wrapped = value as Record<string, unknown> | undefined;
  if (wrapped?.[specialSigKey] !== specialSecretSig) throw new Error(`not a secret: ${JSON.stringify(value)}`);
  return wrapped.value;
}

/** Inputs as the engine hands them to policies: secrets unwrapped. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (record[specialSigKey] === specialSecretSig) return plain(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/**
 * The declared resources as the engine hands them to the policy pack. Property dependencies are recovered from the
 * values: an input that holds another resource's mock ID or ARN depends on that resource.
 */
export function asPolicyResources(declared: Declared[]): PolicyResource[] {
  const resources = declared.map((d) =>
    policyResource(d.type, d.name, plain(d.inputs) as Record<string, any>, {}, { ignoreChanges: [...d.ignoreChanges] }),
  );
  const byValue = new Map<string, PolicyResource>();
  declared.forEach((d, i) => {
    byValue.set(d.id, resources[i]!);
    if (typeof d.state.arn === 'string') byValue.set(d.state.arn, resources[i]!);
  });
  declared.forEach((d, i) => {
    for (const [property, value] of Object.entries(d.inputs)) {
      const dependencies = strings(value).flatMap((s) => byValue.get(s) ?? []);
      if (dependencies.length) resources[i]!.propertyDependencies[property] = dependencies;
    }
  });
  return resources;
}
