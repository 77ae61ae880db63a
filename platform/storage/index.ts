// Storage: the provisioner behind the model's `storageClass`, and that StorageClass as the cluster default.
// aws: the EBS CSI driver with encrypted gp3 volumes. metal: local-path, which keeps volumes in a folder on the node.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AwsCluster, Cluster } from '../../generators/model';
import type { Component } from '../../generators/component';
import { chartGitRepository, helmRelease, helmRepository } from '../../generators/flux';
import { irsaCredentials, irsaRoleArn } from '../../generators/irsa';
import { cidrPeers, componentNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { EBS_CONTROLLER_SERVICE_ACCOUNT, EBS_CSI_CONTROLLER_ROLE, NAMESPACE, ebsKeyAlias } from './api';
import { STORAGE_KEYS, validateStorage, type StorageValues } from './values';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';

export type { StorageValues } from './values';

export const EBS_PROVISIONER = 'ebs.csi.aws.com';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

const small = (cpu: string, memory: string, limit: string) => ({
  requests: { cpu, memory },
  limits: { memory: limit },
});

function storageClass(
  scope: Construct,
  cluster: Cluster,
  values: StorageValues,
  provisioner: string,
  extra: Record<string, unknown>,
): void {
  new ApiObject(scope, 'storageclass', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: cluster.storageClass,
      annotations: {
        'storageclass.kubernetes.io/is-default-class': 'true',
        // Parameters are immutable: Flux replaces the class when they change; existing volumes keep theirs.
        'kustomize.toolkit.fluxcd.io/force': 'enabled',
      },
    },
    provisioner,
    reclaimPolicy: values.reclaimPolicy,
    // The volume is created where the pod lands: in its zone (EBS) or on its node (local-path).
    volumeBindingMode: 'WaitForFirstConsumer',
    ...extra,
  });
}

function ebsCsiDriver(scope: Construct, cluster: AwsCluster, values: StorageValues): void {
  networkPolicy(scope, NAMESPACE, 'allow-aws-apis', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers('0.0.0.0/0'), ports: [{ protocol: 'TCP', port: 443 }] }],
  });
  helmRepository(scope, 'aws-ebs-csi-driver', {
    namespace: NAMESPACE,
    url: 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
  });
  const credentials = irsaCredentials(irsaRoleArn(cluster, EBS_CSI_CONTROLLER_ROLE));
  helmRelease(scope, 'aws-ebs-csi-driver', {
    namespace: NAMESPACE,
    chart: 'aws-ebs-csi-driver',
    version: versions.awsEbsCsiDriverChart,
    repository: 'aws-ebs-csi-driver',
    values: {
      controller: {
        region: cluster.region,
        // Tags every volume `kubernetes.io/cluster/<name>: owned`: the controller's role may only touch volumes so
        // tagged.
        k8sTagClusterId: cluster.name,
        // IRSA: the pods cannot reach the instance role (IMDSv2 hop limit 1); the role is bootstrap/aws's.
        serviceAccount: { create: true, name: EBS_CONTROLLER_SERVICE_ACCOUNT },
        env: credentials.env,
        volumes: credentials.volumes,
        volumeMounts: credentials.mounts,
        resources: small('10m', '64Mi', '256Mi'),
      },
      // The node plugin reads its instance and zone from IMDSv2, which answers the host network only (hop limit 1).
      node: { tolerateAllTaints: true, hostNetwork: true, resources: small('10m', '64Mi', '256Mi') },
    },
  });
  storageClass(scope, cluster, values, EBS_PROVISIONER, {
    parameters: {
      type: 'gp3',
      encrypted: 'true',
      // The customer-managed key by its alias ARN, known before the key exists (CreateVolume takes an alias ARN).
      kmsKeyId: `arn:aws:kms:${cluster.region}:${cluster.accountId}:${ebsKeyAlias(cluster.name)}`,
      'csi.storage.k8s.io/fstype': 'ext4',
    },
    allowVolumeExpansion: true,
  });
}

/** Clusters without EBS keep volumes on their nodes. */
function runsLocalPath(cluster: Cluster): boolean {
  return cluster.provider !== 'aws';
}

function localPath(scope: Construct, cluster: Cluster, values: StorageValues): void {
  const tag = `v${versions.localPathProvisioner}`;
  chartGitRepository(scope, 'local-path-provisioner', {
    namespace: NAMESPACE,
    url: 'https://github.com/rancher/local-path-provisioner',
    tag,
  });
  helmRelease(scope, 'local-path-provisioner', {
    namespace: NAMESPACE,
    chart: './deploy/chart/local-path-provisioner',
    version: versions.localPathProvisioner,
    repository: 'local-path-provisioner',
    repositoryKind: 'GitRepository',
    values: {
      image: { tag },
      helperImage: { repository: 'busybox', tag: versions.busybox },
      // The StorageClass is rendered here, under the model's name.
      storageClass: { create: false, provisionerName: LOCAL_PATH_PROVISIONER },
      nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: [values.volumeDirectory] }],
      resources: small('10m', '32Mi', '128Mi'),
      podSecurityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, ...RUNTIME_DEFAULT_SECCOMP },
      securityContext: RESTRICTED_CONTAINER,
    },
  });
  storageClass(scope, cluster, values, LOCAL_PATH_PROVISIONER, {});
}

export const storage: Component<StorageValues> = {
  name: 'storage',
  // What it installs: the EBS CSI driver's chart on aws, local-path on metal.
  version: (cluster) => (cluster.provider === 'aws' ? versions.awsEbsCsiDriverChart : versions.localPathProvisioner),
  keys: STORAGE_KEYS,
  validate: validateStorage,
  irsaRoles: [EBS_CSI_CONTROLLER_ROLE],
  // local-path's chart ships in its Go module (github.com/rancher/local-path-provisioner v0.0.30,
  // deploy/chart/local-path-provisioner); aws-ebs-csi-driver's does not at a version the module proxy serves (README).
  charts: [
    {
      release: 'local-path-provisioner',
      module: 'github.com/rancher/local-path-provisioner',
      version: versions.localPathProvisioner,
      dir: 'deploy/chart/local-path-provisioner',
    },
  ],
  exemptions: [
    {
      rule: 'namespace-psa-restricted',
      object: `Namespace/${NAMESPACE}`,
      reason:
        'the EBS CSI node plugin runs privileged on the host network and mounts kubelet host paths to attach volumes; ' +
        'local-path helper pods create volume folders in a host path; warn/audit stay restricted',
    },
    {
      rule: 'probes',
      object: `Deployment/${NAMESPACE}/local-path-provisioner`,
      // deploy/chart/local-path-provisioner/templates/deployment.yaml and main.go of
      // github.com/rancher/local-path-provisioner v0.0.30.
      reason: 'the v0.0.30 chart has no probe values and the provisioner serves no HTTP endpoint to probe',
      appliesTo: runsLocalPath,
    },
  ],
  render(ctx, values) {
    const { cluster } = ctx;
    const controllers = ctx.chart('platform-controllers');
    // The CSI node plugin is privileged with host paths; local-path's helper pods write to a host folder.
    componentNamespace(controllers, cluster, NAMESPACE, 'privileged');
    if (cluster.provider === 'aws') ebsCsiDriver(controllers, cluster, values);
    if (runsLocalPath(cluster)) localPath(controllers, cluster, values);
  },
};
