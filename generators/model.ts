// The cluster model's schema: what an estate, a cluster and its parts are. The data is generators/estate/clusters.ts;
// the values a component takes are its own type, checked by the component (`Component.validate`).

export interface Network {
  /** Node addresses (the VPC on AWS, the server LAN on-prem). */
  nodeCidr: string;
  podCidr: string;
  serviceCidr: string;
}

export interface Ingress {
  /** GatewayClass of the cluster's one Gateway (platform/gateway), which apps' HTTPRoutes attach to. */
  className: string;
  /** Namespace of the Gateway and its Envoy proxy pods: apps' NetworkPolicies admit traffic from it. */
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
   * The CNI, which must enforce NetworkPolicy (every namespace relies on default-deny). Calico: Talos applies the
   * Tigera operator and its Installation at bootstrap (bootstrap/talos/machine-config.ts); its ports are opened in
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

/** What a cluster runs: catalogue name → that component's values (typed at the estate by `EstateOf`). */
export type ComponentValues = Record<string, object | undefined>;

/**
 * Where a cluster pulls the images this repository builds (generators/images.ts) from: GHCR, where every release is
 * published, or `ecr`, the private registry of an aws cluster's own account and region (bootstrap/aws registry.ts),
 * which its nodes reach with their instance role and no pull secret.
 */
export type ImageRegistry = 'ghcr' | 'ecr';
export const IMAGE_REGISTRIES: readonly ImageRegistry[] = ['ghcr', 'ecr'];

interface ClusterBase {
  name: string;
  kubernetesVersion: string;
  registry: ImageRegistry;
  /** DNS zone under which the cluster's hosts are published. */
  domain: string;
  ingress: Ingress;
  storageClass: string;
  network: Network;
  flux: FluxSync;
  talos: Talos;
  /** Platform components by catalogue name, each with its values. */
  platform: ComponentValues;
  /** Apps by catalogue name, each with its values. */
  apps: ComponentValues;
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
  /** The replicated databases (platform/cloudnative-pg). @default none: no cluster runs a database */
  database?: DatabaseSites;
  clusters: Cluster[];
}

/**
 * Which site takes writes, and where both sites' WAL archives and base backups are kept. Failing over is changing
 * `primarySite` (`npm run failover -- --to <cluster>`): every database cluster renders its role from it, and the
 * public hostname's Route 53 failover records (bootstrap/aws) make that site the primary answer.
 */
export interface DatabaseSites {
  /** The cluster, by name, whose databases are the primaries; the other clusters run replicas of them. */
  primarySite: string;
  /** The bucket (created by bootstrap/aws) under which each cluster's database archives to its own prefix. */
  backups: { bucket: string; region: string; retentionDays: number };
}

/** `region` for a cloud cluster, `site` for on-prem hardware: the label that tells where series and logs come from. */
export function location(cluster: Cluster): { region: string } | { site: string } {
  return cluster.provider === 'aws' ? { region: cluster.region } : { site: cluster.site };
}
