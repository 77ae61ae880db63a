// Credentials of another account than the model's stop the program before it declares anything: the IRSA role ARNs
// rendered into clusters/ would otherwise name roles that do not exist.
import { beforeAll, expect, it } from 'vitest';
import { installMocks, stackFileConfig, type Recorder } from './mocks';

let recorder: Recorder;
let failure: unknown;

beforeAll(async () => {
  recorder = installMocks('aws', stackFileConfig('aws'), '444455556666');
  failure = await import('./index').then(
    () => undefined,
    (error: unknown) => error,
  );
});

it('fails naming the model field and both accounts, and declares no resource', () => {
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toContain(
    'generators/estate/clusters.ts: cluster "aws" accountId 111122223333 is not the account of the deploying credentials (444455556666)',
  );
  expect(recorder.resources).toEqual([]);
});
