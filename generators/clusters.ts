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
  /** Namespace of the ingress controller pods: apps' NetworkPolicies admit traffic from it. */
  controllerNamespace: string;
  /** How Services of type LoadBalancer get an address. */
  loadBalancer: 'aws-nlb' | 'metallb';
}

export interface FluxSync {
  /** Folder of this repository that Flux reconciles on the cluster: always `clusters/<name>`. */
  path: string;
  /** age public key that SOPS encrypts this cluster's secrets to; the private key lives only on the cluster. */
  ageRecipient: string;
}

/** How bootstrap/talos installs the cluster's nodes (see bootstrap/talos/patches/). */
export interface Talos {
  /**
   * The CNI, which must enforce NetworkPolicy (every namespace relies on default-deny). Calico: Talos applies the Tigera
   * operator and its Installation at bootstrap (bootstrap/talos/machine-config.ts); its ports are opened in
   * bootstrap/aws/security-groups.ts.
   */
  cni: { name: 'calico' };
  /** The disk Talos installs to, on every node unless the on-prem inventory names another. */
  install: { disk: string } | { diskSelector: { type?: 'ssd' | 'hdd' | 'nvme' | 'sd'; size?: string; model?: string } };
}

/** On AWS the Kubernetes API endpoint is the NLB's, from bootstrap/aws's `apiEndpoint` stack output. */
export interface MetalTalos extends Talos {
  /** Kubernetes API endpoint in the machine configs and kubeconfig: the VIP's address. */
  endpoint: string;
  /** Layer-2 shared address of the control planes on `link`; the endpoint points at it. */
  vip: { address: string; link: string };
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
  talos: Talos;
  platform: Partial<PlatformValues>;
  apps: Partial<AppValues>;
}

export interface AwsCluster extends ClusterBase {
  provider: 'aws';
  region: string;
  /** The AWS account bootstrap/aws deploys into: the IRSA role ARNs (generators/irsa.ts) are built from it. */
  accountId: string;
  /**
   * The API server's service-account issuer, which the IRSA roles trust: the https URL of the CloudFront distribution
   * that bootstrap/aws creates to publish the OIDC documents (its `serviceAccountIssuer` output).
   */
  serviceAccountIssuer: string;
}

/** The site's VPN router: the customer gateway of the site-to-site VPN that bootstrap/aws declares. */
export interface VpnPeer {
  publicIp: string;
  bgpAsn: number;
}

export interface MetalCluster extends ClusterBase {
  provider: 'metal';
  site: string;
  talos: MetalTalos;
  /** Required when an AWS stack peers with this site (bootstrap/aws `onPremCluster`). */
  vpnPeer?: VpnPeer;
  /** Addresses MetalLB gives Services of type LoadBalancer: a range of the node network that no node or DHCP uses. */
  loadBalancerPool: AddressRange;
}

/** An inclusive range of IPv4 addresses. */
export interface AddressRange {
  first: string;
  last: string;
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
      // Placeholders until the real account is known and the first `pulumi up` prints the issuer's URL: README
      // "AWS bootstrap (Pulumi)".
      accountId: '111122223333',
      serviceAccountIssuer: 'https://d111111abcdef8.cloudfront.net',
      kubernetesVersion: versions.kubernetes,
      domain: 'aws.acme.example',
      ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx', loadBalancer: 'aws-nlb' },
      storageClass: 'gp3',
      network: { nodeCidr: '10.10.0.0/16', podCidr: '10.20.0.0/16', serviceCidr: '10.21.0.0/16' },
      flux: { path: 'clusters/aws', ageRecipient: 'age1c539rg3hvlj8xjjzetn708kxnrh9u6chy2t8e7dlkal9ck9785js765l3g' },
      talos: { cni: { name: 'calico' }, install: { disk: '/dev/xvda' } },
      platform: {
        'log-export': { s3Identity: 'web-identity', queueRequests: 5000, statesInterval: '15m' },
        ingress: { replicas: 2, requests: { cpu: '100m', memory: '128Mi' }, memoryLimit: '512Mi' },
        storage: { reclaimPolicy: 'Delete' },
        metrics: { replicas: 2, requests: { cpu: '50m', memory: '64Mi' }, memoryLimit: '256Mi' },
        monitoring: {
          prometheus: { retention: '30d', storageGi: 100, requests: { cpu: '500m', memory: '2Gi' }, memoryLimit: '4Gi' },
          federation: { role: 'central', sources: [{ cluster: 'onprem', interval: '30s', timeout: '10s', sampleLimit: 5000 }] },
        },
      },
      apps: {
        'task-tracker': { replicas: { min: 3, max: 10 }, hostname: 'tasks.aws.acme.example' },
      },
    },
    {
      name: 'onprem',
      provider: 'metal',
      site: 'fra-dc1',
      vpnPeer: { publicIp: '203.0.113.10', bgpAsn: 65010 },
      loadBalancerPool: { first: '10.30.0.240', last: '10.30.0.254' },
      kubernetesVersion: versions.kubernetes,
      domain: 'onprem.acme.internal',
      ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx', loadBalancer: 'metallb' },
      storageClass: 'local-path',
      network: { nodeCidr: '10.30.0.0/24', podCidr: '10.40.0.0/16', serviceCidr: '10.41.0.0/16' },
      flux: { path: 'clusters/onprem', ageRecipient: 'age1cqky60axu0ml0q7pampchthx5ya6t633ftk4n9a0zep026df6gcqpw57t5' },
      talos: {
        endpoint: 'https://10.30.0.10:6443',
        cni: { name: 'calico' },
        install: { disk: '/dev/sda' },
        vip: { address: '10.30.0.10', link: 'enp1s0' },
      },
      platform: {
        'log-export': { s3Identity: 'access-key', queueRequests: 5000, statesInterval: '15m' },
        ingress: { replicas: 2, requests: { cpu: '100m', memory: '128Mi' }, memoryLimit: '512Mi', address: '10.30.0.241' },
        'load-balancing': { interfaces: ['enp1s0'] },
        storage: { reclaimPolicy: 'Delete', volumeDirectory: '/var/local-path-provisioner' },
        metrics: { replicas: 2, requests: { cpu: '50m', memory: '64Mi' }, memoryLimit: '256Mi' },
        monitoring: {
          prometheus: { retention: '7d', storageGi: 50, requests: { cpu: '250m', memory: '1Gi' }, memoryLimit: '2Gi' },
          federation: { role: 'source', endpoint: { hostname: 'prometheus-federate.onprem.acme.internal', address: '10.30.0.240', port: 9443 } },
        },
      },
      apps: {
        'task-tracker': { replicas: { min: 2, max: 4 }, hostname: 'tasks.onprem.acme.internal' },
      },
    },
  ],
};
