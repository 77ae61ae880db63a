// issue 16: a bad worker group (min above max, a Spot share out of range, a mix of instance families) stops the
// program before it declares anything, naming each key.
import { beforeAll, expect, it } from 'vitest';
import { PROJECT } from './config';
import { installMocks, stackFileConfig, type Recorder } from './mocks.testkit';

let recorder: Recorder;
let failure: unknown;

beforeAll(async () => {
  const config = stackFileConfig('aws');
  const nodes = JSON.parse(config[`${PROJECT}:nodes`]!);
  recorder = installMocks('aws', {
    ...config,
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
  failure = await import('./index').then(
    () => undefined,
    (error: unknown) => error,
  );
});

it('names every bad key, and declares no resource', () => {
  expect(failure).toBeInstanceOf(Error);
  const message = (failure as Error).message;
  for (const problem of [
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers min (6) must not exceed max (4)`,
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers.spotShare is a percentage of 0 to 100, got 101`,
    `Pulumi.aws.yaml: ${PROJECT}:nodes.workers.instanceTypes mixes m7i.xlarge (4 vCPU, 16 GiB, amd64) with c7i.xlarge`,
  ])
    expect(message).toContain(problem);
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});
