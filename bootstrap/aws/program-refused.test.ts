// A stack config or credentials the program refuses stop it before it declares anything, naming the key and the
// reason. One file, each case on a fresh import of the program: a file per case paid @pulumi/aws's import each time.
import { expect, it, vi } from 'vitest';
import { PROJECT } from './config';
import { installMocks, stackFileConfig, type Recorder } from './mocks.testkit';

const config = stackFileConfig('aws');
const nodes = JSON.parse(config[`${PROJECT}:nodes`]!);

/** The program's failure on this config, and what it declared and called before it. */
async function refusal(
  overrides: Record<string, string>,
  accountId?: string,
): Promise<{ message: string; recorder: Recorder }> {
  vi.resetModules();
  const recorder = installMocks('aws', { ...config, ...overrides }, accountId);
  const failure = await import('./index').then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(Error);
  return { message: (failure as Error).message, recorder };
}

it('refuses an even control plane: etcd needs an odd count for a quorum', async () => {
  const { message, recorder } = await refusal({
    [`${PROJECT}:nodes`]: JSON.stringify({
      ...nodes,
      controlPlane: { count: 2, instanceType: 'm7i.large', hostNumber: 10 },
    }),
  });
  expect(message).toContain(
    `Pulumi.aws.yaml: ${PROJECT}:nodes.controlPlane.count must be odd so etcd keeps a quorum, got 2`,
  );
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});

// issue 16: min above max, a Spot share out of range, a mix of instance families.
it('refuses a bad worker group, naming every bad key', async () => {
  const { message, recorder } = await refusal({
    [`${PROJECT}:nodes`]: JSON.stringify({
      ...nodes,
      workers: {
        ...nodes.workers,
        min: 6,
        max: 4,
        desired: 5,
        spotShare: 101,
        instanceTypes: ['m7i.xlarge', 'c7i.xlarge'],
      },
    }),
  });
  for (const problem of [
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers min (6) must not exceed max (4)`,
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers.spotShare is a percentage of 0 to 100, got 101`,
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers.instanceTypes mixes m7i.xlarge (4 vCPU, 16 GiB, amd64) with c7i.xlarge`,
  ])
    expect(message).toContain(problem);
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});

it('refuses a Grafana sign-in it does not know', async () => {
  const { message, recorder } = await refusal({ [`${PROJECT}:grafana`]: JSON.stringify({ authentication: 'OKTA' }) });
  expect(message).toContain(
    `Pulumi.aws.yaml: ${PROJECT}:grafana.authentication must be one of AWS_SSO, SAML, got "OKTA"`,
  );
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});

// The IRSA role ARNs rendered into clusters/ would otherwise name roles that do not exist.
it("refuses credentials of another account than the model's, naming both", async () => {
  const { message, recorder } = await refusal({}, '444455556666');
  expect(message).toContain(
    'generators/estate/clusters.ts: cluster "aws" accountId 111122223333 is not the account of the deploying ' +
      'credentials (444455556666)',
  );
  expect(recorder.resources).toEqual([]);
});
