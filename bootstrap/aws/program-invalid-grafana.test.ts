// A Grafana sign-in the stack config gets wrong stops the program before it declares anything.
import { beforeAll, expect, it } from 'vitest';
import { PROJECT } from './config';
import { installMocks, stackFileConfig, type Recorder } from './mocks.testkit';

let recorder: Recorder;
let failure: unknown;

beforeAll(async () => {
  recorder = installMocks('aws', {
    ...stackFileConfig('aws'),
    [`${PROJECT}:grafana`]: JSON.stringify({ authentication: 'OKTA' }),
  });
  failure = await import('./index').then(
    () => undefined,
    (error: unknown) => error,
  );
});

it('fails naming the key, and declares no resource', () => {
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toContain(
    `Pulumi.aws.yaml: ${PROJECT}:grafana.authentication must be one of AWS_SSO, SAML, got "OKTA"`,
  );
  expect(recorder.resources).toEqual([]);
  expect(recorder.calls).toEqual([]);
});
