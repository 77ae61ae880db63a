// The stack outputs, as `pulumi stack output --json --show-secrets` prints them. The Talos scripts (bootstrap/talos)
// read that JSON; keep this type and index.ts's exports in step (a test checks it).

import type { AnalysisOutputs } from '../../generators/grafana';

export interface AwsBootstrapOutputs {
  cluster: string;
  region: string;
  /** `https://<NLB DNS name>:6443`: the cluster endpoint for `talosctl gen config`. Never a talosctl endpoint. */
  apiEndpoint: string;
  /** Fixed private addresses, one per AZ: the talosctl endpoints and nodes. Known before any node exists. */
  controlPlaneIps: string[];
  /** False until both Talos machine configs are set in the stack config and `pulumi up` has run again. */
  nodesDeclared: boolean;
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  securityGroupIds: { controlPlane: string; worker: string; apiLoadBalancer: string };
  /**
   * `irsa`: the components' IRSA roles by name, whose ARNs the model derives (generators/irsa.ts); `pulumiPreview`: the
   * read-only role of the pull-request preview (the repository variable PULUMI_PREVIEW_ROLE_ARN).
   */
  roleArns: { controlPlane: string; worker: string; pulumiPreview: string; irsa: Record<string, string> };
  logBucket: { name: string; region: string; arn: string };
  /** Where each site's database archives, under its own prefix; null when the estate has no databases. */
  databaseBucket: { name: string; region: string; arn: string } | null;
  /** `https://<distribution>.cloudfront.net`, where the OIDC documents are published: the model's serviceAccountIssuer. */
  serviceAccountIssuer: string;
  /**
   * The access keys of the IAM users that on-prem components use instead of IRSA, by user (`<cluster>-<role>`): each
   * goes into a SOPS-encrypted Secret. Secret.
   */
  accessKeys: Record<string, { accessKeyId: string; secretAccessKey: string }>;
  /** Outside addresses of the two AWS tunnel endpoints, for the on-prem VPN router. */
  vpnTunnels: { tunnel1Address: string; tunnel2Address: string };
  /** ECR repository URLs by image name (generators/images.ts): where clusters that pull from ECR take them. */
  imageRepositories: Record<string, string>;
  /** The role the image workflows assume through GitHub OIDC to push to ECR (its `role-to-assume`). */
  imagePushRoleArn: string;
  /** The queue the node termination handler reads; undefined until nodes are declared. */
  nodeTerminationQueueUrl: string | undefined;
  /** The tunnels' IKE pre-shared keys. Secret. */
  vpnPresharedKeys: { tunnel1: string; tunnel2: string };
  /**
   * What `npm run grafana -- sync` and analysts need: the managed Grafana's URL and id, the AMP workspace's Prometheus
   * endpoint (`…/workspaces/<id>/`, whose id the model's monitoring `remoteWrite.workspaceId` names), the Athena
   * workgroup and the Glue database.
   */
  analysis: AnalysisOutputs['analysis'];
}
