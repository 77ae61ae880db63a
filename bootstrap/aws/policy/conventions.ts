// Names that the program and the policy pack agree on.

/** Tag on every node resource (instance, launch template, ASG) naming its Talos role. */
export const ROLE_TAG = 'talos-role';
export type NodeRole = 'controlplane' | 'worker';

/**
 * Control-plane instance inputs that `pulumi up` must not act on. A new `userData` (the machine config after
 * gen-config) stops and starts the instance, all three at once, and etcd loses quorum; a new `ami` (a Talos bump)
 * replaces it, and its replacement cannot take the fixed private IP while the old instance holds it. Both are the
 * Instance fields of @pulumi/aws 7.48.0 (ec2/instance.d.ts; `ami` is ForceNew in terraform-provider-aws
 * internal/service/ec2/ec2_instance.go). `npm run talos -- upgrade` changes running nodes one at a time instead.
 */
export const CONTROL_PLANE_IGNORED_CHANGES = ['userData', 'ami'];

/**
 * Worker-group inputs that `pulumi up` leaves alone: the cluster autoscaler owns the size after creation, and
 * otherwise every run would reset it (`desiredCapacity` of aws.autoscaling.Group, @pulumi/aws 7.48.0).
 */
export const WORKER_GROUP_IGNORED_CHANGES = ['desiredCapacity'];

/** The lifecycle transition of an instance leaving an Auto Scaling Group (autoscaling PutLifecycleHook API). */
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';

/** The Kubernetes API port, the one listener that may face the internet when the stack sets `publicApi`. */
export const API_PORT = 6443;

/**
 * IAM statements whose `*` resource is allowed, by Sid, with the reason. Anything else with a `*` action or resource
 * fails the `iam-no-wildcards` policy.
 */
export const JUSTIFIED_WILDCARDS: Record<string, string> = {
  DescribeForCloudIntegration:
    'EC2, Elastic Load Balancing and Auto Scaling Describe* calls support no resource-level permissions',
  DescribeForClusterAutoscaler:
    'the Auto Scaling and EC2 Describe calls of the cluster autoscaler support no resource-level permissions',
  DescribeForNodeTerminationHandler:
    'autoscaling:DescribeAutoScalingInstances, autoscaling:DescribeTags and ec2:DescribeInstances support no resource-level permissions',
  PullAuthorization:
    'ecr:GetAuthorizationToken returns a registry-wide token and supports no resource-level permissions',
  ListZonesForAcme:
    'cert-manager finds the hosted zone of a name with ListHostedZonesByName, which has no resource ARN',
  DescribeForEbsCsi:
    'the EC2 Describe calls of the EBS CSI controller (volumes, snapshots, instances, zones, tags) support no resource-level permissions',
  PreviewDataSources:
    "ec2:DescribeAvailabilityZones and ec2:DescribeImages, which the pull-request preview's data sources call, support no resource-level permissions",
};

/**
 * Buckets whose objects must never expire, by resource name, with the reason. Their lifecycle rule still aborts
 * incomplete multipart uploads and expires noncurrent versions; anything else needs a transition and an expiration.
 */
export const BUCKETS_WITHOUT_EXPIRY: Record<string, string> = {
  'oidc-issuer': "the cluster's OIDC discovery document and JWKS: STS rejects every IRSA token once they are gone",
  'database-backups':
    "barman-cloud's retention policy deletes base backups and the WAL they need; an expiration could delete the only " +
    'base backup a WAL chain restores from (failover.ts)',
};
