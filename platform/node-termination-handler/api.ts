// The node termination handler's contract: its namespace and service account, the SQS queue that bootstrap/aws fills
// with the EC2 and Auto Scaling events it acts on, the tag that marks the instances it may drain, and its IAM role.
// cdk8s-free.
import type { IrsaPolicyContext, IrsaRole } from '../../generators/irsa';

export const NAMESPACE = 'node-termination-handler';
export const SERVICE_ACCOUNT = 'aws-node-termination-handler';

/**
 * The tag the handler checks before draining (CHECK_TAG_BEFORE_DRAINING, `managedTag` of the chart's values.yaml in
 * github.com/aws/aws-node-termination-handler v1.25.1): bootstrap/aws puts it on the worker group and its instances.
 */
export const MANAGED_TAG = 'aws-node-termination-handler/managed';

/**
 * How long a leaving worker waits in its termination lifecycle hook (bootstrap/aws/nodes.ts) for the handler to
 * complete the action; without an answer it terminates anyway (CONTINUE), so a dead handler cannot block scale-in.
 * The handler's node grace period must end before it.
 */
export const TERMINATION_HEARTBEAT_SECONDS = 600;

/** The queue's name: fixed, so its URL and ARN are known before `pulumi up` runs. */
export const queueName = (cluster: string) => `${cluster}-node-termination`;

export const queueUrl = (c: { name: string; region: string; accountId: string }) =>
  `https://sqs.${c.region}.amazonaws.com/${c.accountId}/${queueName(c.name)}`;

export const queueArn = (c: { cluster: string; region: string; accountId: string }) =>
  `arn:aws:sqs:${c.region}:${c.accountId}:${queueName(c.cluster)}`;

/**
 * Queue mode's calls ("IAM Policy for aws-node-termination-handler Deployment" in README.md of
 * github.com/aws/aws-node-termination-handler v1.25.1), narrowed: messages of its own queue only, and lifecycle actions
 * only on groups of this cluster that carry the managed tag.
 */
function nodeTerminationHandlerPolicy({ region, accountId, cluster }: IrsaPolicyContext): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForNodeTerminationHandler',
        Effect: 'Allow',
        Action: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeTags', 'ec2:DescribeInstances'],
        Resource: '*',
      },
      {
        Sid: 'CompleteOwnLifecycleActions',
        Effect: 'Allow',
        Action: 'autoscaling:CompleteLifecycleAction',
        Resource: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
        Condition: {
          StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: 'owned' },
          Null: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'false' },
        },
      },
      {
        Sid: 'ConsumeOwnQueue',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        Resource: queueArn({ cluster, region, accountId }),
      },
    ],
  };
}

export const NODE_TERMINATION_HANDLER_ROLE: IrsaRole = {
  name: 'node-termination-handler',
  namespace: NAMESPACE,
  serviceAccounts: [SERVICE_ACCOUNT],
  policy: nodeTerminationHandlerPolicy,
};
