import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { AwsCluster } from '../../generators/model';
import { versions } from '../../generators/versions';
import { renderedDocs } from '../monitoring/prometheus.testkit';
import { type ClusterAutoscalerValues, clusterAutoscaler, IMAGE } from '.';

const docs = renderedDocs();
const aws = estate.clusters.find((c): c is AwsCluster => c.name === 'aws')!;
const values = aws.platform['cluster-autoscaler'] as ClusterAutoscalerValues;
const of = (kind: string, name: string) =>
  docs.find((d) => d.cluster === 'aws' && d.object.kind === kind && d.object.metadata?.name === name)!.object as any;
const policiesIn = (namespace: string) =>
  docs
    .filter(
      (d) => d.cluster === 'aws' && d.object.kind === 'NetworkPolicy' && d.object.metadata?.namespace === namespace,
    )
    .map((d) => [d.object.metadata!.name, (d.object as any).spec]);

describe('cluster-autoscaler', () => {
  it('runs on aws only', () => {
    expect(docs.some((d) => d.cluster === 'onprem' && d.file.includes('cluster-autoscaler'))).toBe(false);
  });

  it("runs the image of the cluster's Kubernetes minor, on the control planes, with its IRSA role", () => {
    const pod = of('Deployment', 'cluster-autoscaler').spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(IMAGE);
    expect(IMAGE).toMatch(new RegExp(`:v${aws.kubernetesVersion.split('.').slice(0, 2).join('\\.')}\\.\\d+$`));
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(container.env).toContainEqual({
      name: 'AWS_ROLE_ARN',
      value: 'arn:aws:iam::111122223333:role/aws-cluster-autoscaler',
    });
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--cloud-provider=aws',
        '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/aws',
        '--expander=least-waste',
        '--scale-down-utilization-threshold=0.5',
        '--scale-down-unneeded-time=10m',
      ]),
    );
  });

  it('lets its pods reach exactly DNS, the API server and HTTPS outside the cluster networks, and take scrapes', () => {
    const { nodeCidr, podCidr, serviceCidr } = aws.network;
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'cluster-autoscaler' } };
    expect(Object.fromEntries(policiesIn('cluster-autoscaler'))).toEqual({
      'default-deny': { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      'allow-dns': expect.objectContaining({ policyTypes: ['Egress'] }),
      'allow-kube-apiserver': {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: nodeCidr } }], ports: [{ protocol: 'TCP', port: 6443 }] }],
      },
      'allow-aws-apis': {
        podSelector: selector,
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [nodeCidr, podCidr, serviceCidr] } }],
            ports: [{ protocol: 'TCP', port: 443 }],
          },
        ],
      },
      'allow-metrics-scrape': {
        podSelector: selector,
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
              },
            ],
            ports: [{ protocol: 'TCP', port: 8085 }],
          },
        ],
      },
    });
  });

  it.each<[string, object, string]>([
    ['a threshold above 1', { scaleDownUtilizationThreshold: 1.5 }, 'scaleDownUtilizationThreshold'],
    ['a bad duration', { scaleDownUnneededTime: 'ten minutes' }, 'scaleDownUnneededTime'],
    ['a bad memory limit', { memoryLimit: '600MB' }, 'memoryLimit'],
  ])('rejects %s', (_, change, field) => {
    expect(
      clusterAutoscaler.validate({ ...values, ...change } as ClusterAutoscalerValues, aws, estate).map((p) => p.field),
    ).toEqual([field]);
  });

  it('rejects a metal cluster, and a cluster of another Kubernetes minor', () => {
    const onprem = estate.clusters.find((c) => c.name === 'onprem')!;
    expect(clusterAutoscaler.validate(values, onprem, estate)[0]!.message).toContain('aws clusters only');
    const newer = { ...aws, kubernetesVersion: '1.36.0' };
    expect(clusterAutoscaler.validate(values, newer, estate)).toEqual([
      {
        field: '',
        message: expect.stringContaining(`cluster-autoscaler ${versions.clusterAutoscaler} is for Kubernetes 1.35`),
      },
    ]);
  });
});
