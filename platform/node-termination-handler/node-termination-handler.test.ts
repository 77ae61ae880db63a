import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { AwsCluster } from '../../generators/model';
import { renderedDocs } from '../monitoring/prometheus.testkit';
import { type NodeTerminationHandlerValues, nodeTerminationHandler } from '.';

const docs = renderedDocs();
const aws = estate.clusters.find((c): c is AwsCluster => c.name === 'aws')!;
const values = aws.platform['node-termination-handler'] as NodeTerminationHandlerValues;
const of = (kind: string, name: string) =>
  docs.find((d) => d.cluster === 'aws' && d.object.kind === kind && d.object.metadata?.name === name)!.object as any;

describe('node-termination-handler', () => {
  it('reads the queue bootstrap/aws declares, in queue mode, with its IRSA role, on the control planes', () => {
    const pod = of('Deployment', 'aws-node-termination-handler').spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      ENABLE_SQS_TERMINATION_DRAINING: 'true',
      QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/111122223333/aws-node-termination',
      AWS_REGION: 'eu-central-1',
      CHECK_TAG_BEFORE_DRAINING: 'true',
      MANAGED_TAG: 'aws-node-termination-handler/managed',
      NODE_TERMINATION_GRACE_PERIOD: '300',
      AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/aws-node-termination-handler',
    });
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
  });

  it('keeps one replica through a drain of its own node (PDB), and evicts (never deletes) pods', () => {
    expect(of('PodDisruptionBudget', 'aws-node-termination-handler').spec.maxUnavailable).toBe(1);
    const rules = of('ClusterRole', 'aws-node-termination-handler').rules;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] });
    expect(rules.flatMap((r: any) => r.verbs)).not.toContain('delete');
  });

  it('lets its pods reach exactly HTTPS outside the cluster networks beyond the namespace base policies', () => {
    const { nodeCidr, podCidr, serviceCidr } = aws.network;
    const names = docs
      .filter((d) => d.object.kind === 'NetworkPolicy' && d.object.metadata?.namespace === 'node-termination-handler')
      .map((d) => d.object.metadata!.name);
    expect(names.sort()).toEqual(
      ['allow-aws-apis', 'allow-dns', 'allow-kube-apiserver', 'allow-metrics-scrape', 'default-deny'].sort(),
    );
    const own = docs.find(
      (d) =>
        d.object.kind === 'NetworkPolicy' &&
        d.object.metadata?.namespace === 'node-termination-handler' &&
        d.object.metadata?.name === 'allow-aws-apis',
    )!.object as any;
    expect(own.spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [nodeCidr, podCidr, serviceCidr] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]);
  });

  it.each<[string, object, string]>([
    ['one replica', { replicas: 1 }, 'replicas'],
    ['a grace period beyond the hook', { nodeGracePeriodSeconds: 600 }, 'nodeGracePeriodSeconds'],
    ['a bad CPU request', { requests: { cpu: 'lots', memory: '64Mi' } }, 'requests.cpu'],
  ])('rejects %s', (_, change, field) => {
    expect(
      nodeTerminationHandler
        .validate({ ...values, ...change } as NodeTerminationHandlerValues, aws, estate)
        .map((p) => p.field),
    ).toEqual([field]);
  });

  it('rejects a metal cluster', () => {
    const onprem = estate.clusters.find((c) => c.name === 'onprem')!;
    expect(nodeTerminationHandler.validate(values, onprem, estate)[0]!.message).toContain('aws clusters only');
  });
});
