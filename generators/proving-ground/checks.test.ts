import { describe, expect, it } from 'vitest';
import { readyOrderProblems, secretProblems, specMismatches, workloadNotReady } from './checks';

describe('readyOrderProblems', () => {
  const dependsOn = new Map([
    ['apps-x', ['platform-controllers-y']],
    ['platform-controllers-y', []],
  ]);

  it('accepts a dependency Ready before (or in the same second as) its dependent', () => {
    expect(
      readyOrderProblems(
        new Map([
          ['platform-controllers-y', 1000],
          ['apps-x', 1000],
        ]),
        dependsOn,
      ),
    ).toEqual([]);
  });

  it('refuses a dependent Ready before its dependency', () => {
    expect(
      readyOrderProblems(
        new Map([
          ['platform-controllers-y', 2000],
          ['apps-x', 1000],
        ]),
        dependsOn,
      ),
    ).toEqual(['apps-x became Ready before platform-controllers-y, which it dependsOn']);
  });

  it('refuses a Kustomization that never became Ready', () => {
    expect(readyOrderProblems(new Map([['platform-controllers-y', 1000]]), dependsOn)).toEqual([
      'apps-x never became Ready',
    ]);
  });
});

describe('specMismatches', () => {
  const rendered = {
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'i:1' }], hostNetwork: false } } },
  };

  it('ignores what the server adds and the zero values it drops', () => {
    const live = {
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        template: { spec: { containers: [{ name: 'a', image: 'i:1', imagePullPolicy: 'IfNotPresent' }] } },
      },
    };
    expect(specMismatches(rendered, live)).toEqual([]);
  });

  it('names a field the cluster holds differently', () => {
    const live = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'i:2' }] } } } };
    expect(specMismatches(rendered, live)).toEqual(['.spec.template.spec.containers[0].image: "i:1" ≠ "i:2"']);
  });

  it('takes an empty map the server pruned as absent, but not a non-empty one or a non-map', () => {
    const crd = { schema: { status: { clusterSecurity: { type: 'object', properties: {} } } } };
    const live = { schema: { status: { clusterSecurity: { type: 'object' } } } };
    expect(specMismatches(crd, live)).toEqual([]);
    expect(specMismatches({ a: { b: 1 } }, {})).toEqual(['.a: {"b":1} ≠ undefined']);
    expect(specMismatches({ a: {} }, { a: 'x' })).toEqual(['.a: {} ≠ "x"']);
  });

  it('names a list of another length and a missing non-zero field', () => {
    expect(specMismatches({ a: [1, 2], b: 'x' }, { a: [1] })).toEqual([
      '.a: 2 items rendered, 1 live',
      '.b: "x" ≠ undefined',
    ]);
  });
});

describe('secretProblems', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('accepts the decrypted values', () => {
    expect(secretProblems('ns/s', { k: 'v' }, { k: b64('v') })).toEqual([]);
  });

  it('refuses a Secret that holds other values or none', () => {
    expect(secretProblems('ns/s', { k: 'v' }, { k: b64('ENC[...]') })).toHaveLength(1);
    expect(secretProblems('ns/s', { k: 'v' }, undefined)).toEqual([
      'Secret ns/s: key k holds null, not the value encrypted into Git',
    ]);
  });
});

describe('workloadNotReady', () => {
  const deployment = (status: string) => ({
    kind: 'Deployment',
    status: { conditions: [{ type: 'Available', status, message: 'Deployment does not have minimum availability.' }] },
  });

  it('accepts an Available Deployment, a DaemonSet with every pod ready, a StatefulSet with its replicas ready', () => {
    expect(workloadNotReady(deployment('True'))).toBeUndefined();
    expect(workloadNotReady({ kind: 'DaemonSet', status: { desiredNumberScheduled: 6, numberReady: 6 } })).toBe(
      undefined,
    );
    expect(workloadNotReady({ kind: 'StatefulSet', spec: { replicas: 2 }, status: { readyReplicas: 2 } })).toBe(
      undefined,
    );
  });

  it('refuses a Deployment that is not Available, or has no condition yet', () => {
    expect(workloadNotReady(deployment('False'))).toBe(
      'is not Available (Deployment does not have minimum availability.)',
    );
    expect(workloadNotReady({ kind: 'Deployment', status: {} })).toBe('is not Available (no condition)');
  });

  it('refuses a DaemonSet with pods not ready, or that schedules none', () => {
    expect(workloadNotReady({ kind: 'DaemonSet', status: { desiredNumberScheduled: 6, numberReady: 3 } })).toBe(
      'has 3 of 6 pods ready',
    );
    expect(workloadNotReady({ kind: 'DaemonSet', status: { desiredNumberScheduled: 0 } })).toBe(
      'schedules no pod on any node',
    );
  });

  it('refuses a StatefulSet short of its replicas (one by default), and a kind that is no workload', () => {
    expect(workloadNotReady({ kind: 'StatefulSet', spec: {}, status: {} })).toBe('has 0 of 1 ready');
    expect(workloadNotReady({ kind: 'ConfigMap' })).toBe('is a ConfigMap, not a workload');
  });
});
