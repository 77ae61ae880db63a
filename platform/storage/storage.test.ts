// Storage on the real model: the EBS CSI driver and an encrypted gp3 default class on aws, local-path and its class on
// metal, both named by the model; the checks on the values; the gates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { location } from '../../generators/model';
import { repoRoot } from '../../generators/repo';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { versions } from '../../generators/versions';
import { EBS_CONTROLLER_SERVICE_ACCOUNT } from './api';
import { EBS_PROVISIONER, LOCAL_PATH_PROVISIONER } from './index';
import { validateStorage, type StorageValues } from './values';

const aws = estate.clusters.find((c) => c.name === 'aws')!;
const onprem = estate.clusters.find((c) => c.name === 'onprem')!;

describe('rendering', () => {
  const docs = componentDocs('storage');
  const find = (cluster: string, kind: string) =>
    docs.filter((d) => d.cluster === cluster && d.object.kind === kind).map((d) => d.object as any);
  const names = (cluster: string) =>
    docs.filter((d) => d.cluster === cluster).map((d) => `${d.object.kind}/${d.object.metadata?.name}`);

  it("labels each cluster's objects with the version of what it installs (issue 23 defect 9: wrong version label)", () => {
    const versionsOn = (cluster: string) =>
      new Set(
        docs.filter((d) => d.cluster === cluster).map((d) => d.object.metadata?.labels?.['app.kubernetes.io/version']),
      );
    expect(versionsOn('aws')).toEqual(new Set([versions.awsEbsCsiDriverChart]));
    expect(versionsOn('onprem')).toEqual(new Set([versions.localPathProvisioner]));
  });

  it('makes the model storage class on aws an encrypted gp3 EBS class, bound where the pod lands, and the default', () => {
    expect(find('aws', 'StorageClass')).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({
          name: aws.storageClass,
          annotations: {
            'storageclass.kubernetes.io/is-default-class': 'true',
            'kustomize.toolkit.fluxcd.io/force': 'enabled',
          },
        }),
        provisioner: EBS_PROVISIONER,
        parameters: {
          type: 'gp3',
          encrypted: 'true',
          kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:alias/aws-ebs',
          'csi.storage.k8s.io/fstype': 'ext4',
        },
        volumeBindingMode: 'WaitForFirstConsumer',
        reclaimPolicy: 'Delete',
        allowVolumeExpansion: true,
      }),
    ]);
    const [release] = find('aws', 'HelmRelease');
    expect(release.metadata.name).toBe('aws-ebs-csi-driver');
    expect(release.spec.chart.spec.version).toBe(versions.awsEbsCsiDriverChart);
    expect(release.spec.values.controller).toMatchObject({ ...location(aws), k8sTagClusterId: 'aws' });
    expect(names('aws').filter((n) => n.includes('local-path'))).toEqual([]);
  });

  it('gives the EBS CSI controller the IRSA role of bootstrap/aws through its service account token, not the instance role', () => {
    const { controller } = find('aws', 'HelmRelease')[0].spec.values;
    expect(controller.serviceAccount).toEqual({ create: true, name: EBS_CONTROLLER_SERVICE_ACCOUNT });
    expect(controller.nodeSelector).toBeUndefined();
    const env = Object.fromEntries(controller.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env.AWS_ROLE_ARN).toBe('arn:aws:iam::111122223333:role/aws-ebs-csi-controller');
    const [volume] = controller.volumes;
    expect(volume.projected.sources).toEqual([
      { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } },
    ]);
    expect(controller.volumeMounts).toEqual([
      { name: volume.name, mountPath: env.AWS_WEB_IDENTITY_TOKEN_FILE.replace(/\/token$/, ''), readOnly: true },
    ]);
  });

  it('makes the model storage class on metal a local-path class served from the pinned Git tag', () => {
    expect(find('onprem', 'StorageClass')).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({
          name: onprem.storageClass,
          annotations: {
            'storageclass.kubernetes.io/is-default-class': 'true',
            'kustomize.toolkit.fluxcd.io/force': 'enabled',
          },
        }),
        provisioner: LOCAL_PATH_PROVISIONER,
        volumeBindingMode: 'WaitForFirstConsumer',
      }),
    ]);
    const [source] = find('onprem', 'GitRepository');
    expect(source.spec.ref).toEqual({ tag: `v${versions.localPathProvisioner}` });
    const [release] = find('onprem', 'HelmRelease');
    expect(release.spec.chart.spec.sourceRef).toEqual({
      kind: 'GitRepository',
      name: source.metadata.name,
      namespace: source.metadata.namespace,
    });
    expect(release.spec.values.storageClass).toEqual({ create: false, provisionerName: LOCAL_PATH_PROVISIONER });
    expect(release.spec.values.helperImage.tag).toBe(versions.busybox);
    expect(names('onprem').filter((n) => n.includes('ebs'))).toEqual([]);
  });

  it('keeps local-path volumes in the folder that the Talos patch mounts for kubelet', () => {
    // The patch's first document; the volume encryption documents follow it.
    const patch = parseAllDocuments(
      readFileSync(join(repoRoot, 'bootstrap/talos/patches/metal.yaml'), 'utf8'),
    )[0]!.toJS();
    const mounted = patch.machine.kubelet.extraMounts.map((m: { destination: string }) => m.destination);
    const [release] = find('onprem', 'HelmRelease');
    expect(mounted).toContain(release.spec.values.nodePathMap[0].paths[0]);
  });

  it('declares a namespace with default deny, DNS and API server on both clusters', () => {
    for (const cluster of ['aws', 'onprem']) {
      expect(names(cluster)).toEqual(
        expect.arrayContaining([
          'Namespace/storage',
          'NetworkPolicy/default-deny',
          'NetworkPolicy/allow-dns',
          'NetworkPolicy/allow-kube-apiserver',
        ]),
      );
    }
    expect(names('aws')).toContain('NetworkPolicy/allow-aws-apis');
  });
});

describe('values', () => {
  it('accepts the real values', () => {
    for (const cluster of estate.clusters) expect(validateStorage(cluster.platform.storage!, cluster)).toEqual([]);
  });

  it.each([
    [
      'an unknown reclaim policy',
      aws,
      { reclaimPolicy: 'Recycle' },
      'reclaimPolicy',
      /"Recycle" is not Delete or Retain/,
    ],
    [
      'no volume folder on metal',
      onprem,
      { reclaimPolicy: 'Delete' },
      'volumeDirectory',
      /undefined is not an absolute folder path/,
    ],
    [
      'a relative volume folder',
      onprem,
      { reclaimPolicy: 'Delete', volumeDirectory: 'var/lp' },
      'volumeDirectory',
      /"var\/lp" is not an absolute folder path/,
    ],
    [
      'a volume folder on aws',
      aws,
      { reclaimPolicy: 'Delete', volumeDirectory: '/var/lp' },
      'volumeDirectory',
      /only local-path keeps volumes in a node folder; remove it on a aws cluster/,
    ],
  ])('rejects %s, naming the field', (_, cluster, values, field, message) => {
    const problems = validateStorage(values as StorageValues, cluster);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('the committed output', () => {
  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('storage')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
