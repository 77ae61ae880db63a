// The policy pack as the Pulumi CLI runs it: Pulumi's own policy-pack runner (ts-node, this folder's tsconfig and
// package.json) serves the Analyzer gRPC API, and this test plays the engine: it sends the resources that the
// program declares under mocks, as `pulumi preview --policy-pack bootstrap/aws/policy` would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type * as grpcTypes from '@grpc/grpc-js';
import type { PolicyResource } from '@pulumi/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asPolicyResources,
  installMocks,
  secondRunConfig,
  settled,
  stackFileConfig,
  type Recorder,
} from '../mocks.testkit';
import { policies, TYPES } from './rules';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js') as typeof grpcTypes;
const analyzer = require('@pulumi/pulumi/proto/analyzer_pb') as typeof import('@pulumi/pulumi/proto/analyzer_pb');
const { AnalyzerClient } =
  require('@pulumi/pulumi/proto/analyzer_grpc_pb') as typeof import('@pulumi/pulumi/proto/analyzer_grpc_pb');
const { Struct } =
  require('google-protobuf/google/protobuf/struct_pb') as typeof import('google-protobuf/google/protobuf/struct_pb');
const { Empty } =
  require('google-protobuf/google/protobuf/empty_pb') as typeof import('google-protobuf/google/protobuf/empty_pb');

const RUNNER = require.resolve('@pulumi/pulumi/cmd/run-policy-pack');

let pack: ChildProcess;
let client: InstanceType<typeof AnalyzerClient>;
let recorder: Recorder;

async function startPack(): Promise<number> {
  pack = spawn(process.execPath, [RUNNER, '127.0.0.1:0', '.'], {
    cwd: import.meta.dirname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  pack.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    pack.stdout!.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    pack.once('exit', (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
  });
}

function options(resource: PolicyResource) {
  return new analyzer.AnalyzerResourceOptions()
    .setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts())
    .setIgnorechangesList(resource.opts.ignoreChanges);
}

function properties(props: Record<string, unknown>) {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function stackRequest(resources: PolicyResource[]) {
  return new analyzer.AnalyzeStackRequest().setResourcesList(
    resources.map((r) => {
      const resource = new analyzer.AnalyzerResource()
        .setType(r.type)
        .setName(r.name)
        .setUrn(r.urn)
        .setProperties(properties(r.props))
        .setOptions(options(r));
      resource.setDependenciesList(r.dependencies.map((d) => d.urn));
      for (const [property, dependencies] of Object.entries(r.propertyDependencies)) {
        resource
          .getPropertydependenciesMap()
          .set(property, new analyzer.AnalyzerPropertyDependencies().setUrnsList(dependencies.map((d) => d.urn)));
      }
      return resource;
    }),
  );
}

type Diagnostic = { policy: string; message: string; mandatory: boolean };

function diagnostics(response: InstanceType<typeof analyzer.AnalyzeResponse>): Diagnostic[] {
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    message: d.getMessage(),
    mandatory: d.getEnforcementlevel() === analyzer.EnforcementLevel.MANDATORY,
  }));
}

type Analyzer = typeof analyzer;
function call<Res>(
  invoke: (callback: (error: grpcTypes.ServiceError | null, response: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

/** What the engine asks of a stack: each resource through `Analyze`, then the whole stack through `AnalyzeStack`. */
async function analyzeAll(resources: PolicyResource[]): Promise<Diagnostic[]> {
  const found: Diagnostic[] = [];
  for (const r of resources) {
    const request = new analyzer.AnalyzeRequest()
      .setType(r.type)
      .setName(r.name)
      .setUrn(r.urn)
      .setProperties(properties(r.props))
      .setOptions(options(r));
    found.push(
      ...diagnostics(await call<InstanceType<Analyzer['AnalyzeResponse']>>((done) => client.analyze(request, done))),
    );
  }
  found.push(
    ...diagnostics(
      await call<InstanceType<Analyzer['AnalyzeResponse']>>((done) =>
        client.analyzeStack(stackRequest(resources), done),
      ),
    ),
  );
  return found;
}

beforeAll(async () => {
  recorder = installMocks('aws', {
    ...stackFileConfig('aws'),
    ...secondRunConfig(),
  });
  await import('../index');
  await settled();
  const port = await startPack();
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe('the policy pack under the Pulumi policy runner', () => {
  it('serves every rule as mandatory', async () => {
    const info = await call<InstanceType<Analyzer['AnalyzerInfo']>>((done) =>
      client.getAnalyzerInfo(new Empty(), done),
    );
    expect(info.getName()).toBe('aws-bootstrap');
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(policies.map((p) => p.name));
    expect(info.getPoliciesList().every((p) => p.getEnforcementlevel() === analyzer.EnforcementLevel.MANDATORY)).toBe(
      true,
    );
  });

  it('passes the stack the program declares', async () => {
    expect(await analyzeAll(asPolicyResources(recorder.resources))).toEqual([]);
  });

  it('blocks a stack that breaks the rules, naming each policy', async () => {
    const resources = asPolicyResources(recorder.resources);
    const ofType = (type: string) => resources.filter((r) => r.type === type);
    ofType(TYPES.launchTemplate)[0]!.props.metadataOptions.httpTokens = 'optional';
    ofType(TYPES.instance)[0]!.props.rootBlockDevice.encrypted = false;
    ofType(TYPES.lifecycle)[0]!.props.rules[0].status = 'Disabled';
    ofType(TYPES.ingressRule)[0]!.props.cidrIpv4 = '0.0.0.0/0';
    ofType(TYPES.instance)[1]!.opts.ignoreChanges = ['ami'];
    ofType('aws:kms/key:Key')[0]!.props.enableKeyRotation = false;
    const logArchive = ofType(TYPES.encryption).find((r) => r.name === 'log-archive-encryption')!;
    logArchive.props.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }];
    const found = await analyzeAll(resources);
    expect(found.map((d) => d.policy).sort()).toEqual([
      'controlplane-ignores-userdata-and-ami',
      'ebs-encrypted',
      'imdsv2-required',
      'kms-customer-key-encrypts-data',
      'kms-key-rotation-and-scope',
      's3-bucket-lifecycle',
      'sg-no-world-ingress',
    ]);
    expect(found.every((d) => d.mandatory)).toBe(true);
  });
});
