// An invalid stack config stops the program before it declares anything.
import { beforeAll, expect, it } from 'vitest';
import { PROJECT } from './config';
import { installMocks, stackFileConfig, type Recorder } from './mocks';

let recorder: Recorder;
let failure: unknown;

beforeAll(async () => {
  const config = stackFileConfig('aws');
  recorder = installMocks('aws', {
    ...config,
    [`${PROJECT}:nodes`]: JSON.stringify({
      ...JSON.parse(config[`${PROJECT}:nodes`]!),
      controlPlane: { count: 2, instanceType: 'm7i.large', hostNumber: 10 },
    }),
  });
  failure = await import('./index').then(
    () => undefined,
    (error: unknown) => error,
  );
});

it('fails with the file, key and reason, and declares no resource', () => {
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toContain(
    `Pulumi.aws.yaml: ${PROJECT}:nodes.controlPlane.count must be odd so etcd keeps a quorum, got 2`,
  );
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});
