// The cluster model: every cluster of the estate and what it runs. Adding a cluster is one more entry in `clusters`.
import type { AppValues, PlatformValues } from './catalogue';
import { versions } from './versions';

export interface Network {
  /** Node addresses (the VPC on AWS, the server LAN on-prem). */
  nodeCidr: string;
  podCidr: string;
  serviceCidr: string;
}

export interface Ingress {
  /** IngressClass that apps use. */
  className: string;
  /** How Services of type LoadBalancer get an address. */
  loadBalancer: 'aws-nlb' | 'metallb';
}

export interface FluxSync {
  /** Folder of this repository that Flux reconciles on the cluster: always `clusters/<name>`. */
  path: string;
  /** age public key that SOPS encrypts this cluster's secrets to; the private key lives only on the cluster. */
  ageRecipient: string;
}

interface ClusterBase {
  name: string;
  kubernetesVersion: string;
  /** DNS zone under which the cluster's hosts are published. */
  domain: string;
  ingress: Ingress;
  storageClass: string;
  network: Network;
  flux: FluxSync;
  platform: Partial<PlatformValues>;
  apps: Partial<AppValues>;
}

export interface AwsCluster extends ClusterBase {
  provider: 'aws';
  region: string;
}

export interface MetalCluster extends ClusterBase {
  provider: 'metal';
  site: string;
}

export type Cluster = AwsCluster | MetalCluster;

export interface Estate {
  /** The Git repository every cluster's Flux pulls from. */
  repository: { url: string; branch: string };
  /** The S3 bucket that logs, events and states are exported to (created by bootstrap/aws). */
  logArchive: { bucket: string; region: string; retentionDays: number };
  clusters: Cluster[];
}

/** `region` for a cloud cluster, `site` for on-prem hardware: the label that tells where series and logs come from. */
export function location(cluster: Cluster): { region: string } | { site: string } {
  return cluster.provider === 'aws' ? { region: cluster.region } : { site: cluster.site };
}

export const estate: Estate = {
  repository: { url: 'ssh://git@github.com/acme/hybrid-gitops-platform.git', branch: 'main' },
  logArchive: { bucket: 'acme-estate-telemetry', region: 'eu-central-1', retentionDays: 400 },
  clusters: [
    {
      name: 'aws',
      provider: 'aws',
      region: 'eu-central-1',
      kubernetesVersion: versions.kubernetes,
      domain: 'aws.acme.example',
      ingress: { className: 'nginx', loadBalancer: 'aws-nlb' },
      storageClass: 'gp3',
      network: { nodeCidr: '10.10.0.0/16', podCidr: '10.20.0.0/16', serviceCidr: '10.21.0.0/16' },
      flux: { path: 'clusters/aws', ageRecipient: 'age1c539rg3hvlj8xjjzetn708kxnrh9u6chy2t8e7dlkal9ck9785js765l3g' },
      platform: {},
      apps: {},
    },
    {
      name: 'onprem',
      provider: 'metal',
      site: 'fra-dc1',
      kubernetesVersion: versions.kubernetes,
      domain: 'onprem.acme.internal',
      ingress: { className: 'nginx', loadBalancer: 'metallb' },
      storageClass: 'local-path',
      network: { nodeCidr: '10.30.0.0/24', podCidr: '10.40.0.0/16', serviceCidr: '10.41.0.0/16' },
      flux: { path: 'clusters/onprem', ageRecipient: 'age1cqky60axu0ml0q7pampchthx5ya6t633ftk4n9a0zep026df6gcqpw57t5' },
      platform: {},
      apps: {},
    },
  ],
};
