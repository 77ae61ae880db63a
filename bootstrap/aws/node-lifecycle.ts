// What the node termination handler (platform/node-termination-handler) acts on, in queue mode: EventBridge rules put
// the worker group's termination lifecycle actions and the EC2 events that announce an instance's end into one SQS
// queue, which only those rules may write to. The handler cordons and drains the node, then completes the action.
// Event names are those of "Queue Processor" in README.md of github.com/aws/aws-node-termination-handler v1.25.1.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { queueName } from '../../platform/node-termination-handler/api';
import type { Settings } from './config';

export interface NodeLifecycle {
  queue: aws.sqs.Queue;
  rules: aws.cloudwatch.EventRule[];
}

/**
 * The events, by rule suffix. Termination actions are only the worker group's; EC2 events name the instance, and
 * the handler ignores instances without its managed tag. With capacity rebalance on, the group itself answers Spot
 * interruptions and rebalance recommendations with a termination action; the EC2 events still reach the handler
 * first, so a node is cordoned and drained before the group replaces it (README "4. Create Amazon EventBridge Rules").
 */
export function lifecycleEvents(groupName: string): Record<string, Record<string, unknown>> {
  return {
    'asg-termination': {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
      detail: { AutoScalingGroupName: [groupName] },
    },
    'spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
    'rebalance-recommendation': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
    'instance-state-change': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
  };
}

export function declareNodeLifecycle(
  settings: Settings,
  workerGroup: aws.autoscaling.Group,
  tags: Record<string, string>,
): NodeLifecycle {
  const name = settings.cluster.name;
  // An event is stale after five minutes (a Spot warning gives two); SQS-managed encryption needs no key policy
  // for EventBridge (README "1. Create an SQS Queue").
  const queue = new aws.sqs.Queue(`${name}-node-termination`, {
    name: queueName(name),
    messageRetentionSeconds: 300,
    sqsManagedSseEnabled: true,
    tags,
  });
  const rules = workerGroup.name.apply((groupName) => lifecycleEvents(groupName));
  const declared = Object.keys(lifecycleEvents('')).map((key) => {
    const rule = new aws.cloudwatch.EventRule(`${name}-${key}`, {
      description: `${key} events for the node termination handler of cluster ${name}`,
      eventPattern: rules.apply((events) => JSON.stringify(events[key])),
      tags,
    });
    new aws.cloudwatch.EventTarget(`${name}-${key}`, { rule: rule.name, arn: queue.arn });
    return rule;
  });
  new aws.sqs.QueuePolicy(`${name}-node-termination`, {
    queueUrl: queue.url,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FromOwnRules',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': declared.map((rule) => rule.arn) } },
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: queue.arn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    }),
  });
  return { queue, rules: declared };
}
