// Load balancing on the real model: MetalLB with the model's pool on metallb clusters, nothing on aws-nlb clusters
// (Talos installs the AWS cloud controller manager there); the checks on the pool and on the addresses asked of it; the
// committed output passing the gates.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import type { Estate, MetalCluster } from '../../generators/model';
import { findProblems } from '../../generators/model-check';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { validateTree } from '../../generators/validate/validate';
import { NAMESPACE, POOL_NAME } from './index';
import { validateLoadBalancing } from './values';
import { validationExtensionsOf } from '../../generators/registries';

const aws = estate.clusters.find((c) => c.name === 'aws')!;
const onprem = estate.clusters.find((c) => c.name === 'onprem') as MetalCluster;

function withChange(change: (onprem: MetalCluster) => void): Estate {
  const copy = structuredClone(estate);
  change(copy.clusters.find((c) => c.name === 'onprem') as MetalCluster);
  return copy;
}

describe('rendering', () => {
  const docs = componentDocs('load-balancing');
  const kinds = (cluster: string, layer: string) =>
    docs
      .filter((d) => d.cluster === cluster && d.file.split('/')[2] === layer)
      .map((d) => `${d.object.kind}/${d.object.metadata?.name}`)
      .sort();

  it('installs MetalLB on the metallb cluster and its pool and advertisement one layer later', () => {
    expect(kinds('onprem', 'platform-controllers')).toEqual(
      expect.arrayContaining(['HelmRepository/metallb', 'HelmRelease/metallb']),
    );
    expect(kinds('onprem', 'platform-configs')).toEqual([`IPAddressPool/${POOL_NAME}`, `L2Advertisement/${POOL_NAME}`]);
  });

  it('renders nothing on the aws-nlb cluster, whose cloud controller manager Talos owns', () => {
    expect(aws.platform['load-balancing']).toBeUndefined();
    expect(docs.filter((d) => d.cluster === 'aws')).toEqual([]);
  });

  it('hands out exactly the model pool, only to Services that ask, on the interfaces the model names', () => {
    const spec = (kind: string) =>
      (docs.find((d) => d.cluster === 'onprem' && d.object.kind === kind)!.object as any).spec;
    expect(spec('IPAddressPool')).toEqual({ addresses: ['10.30.0.240-10.30.0.254'], autoAssign: false });
    expect(spec('L2Advertisement')).toEqual({ ipAddressPools: [POOL_NAME], interfaces: ['enp1s0'] });
  });

  it('declares a namespace with default deny and admits the MetalLB webhook only from the API server (nodes and tunnel addresses)', () => {
    expect(kinds('onprem', 'platform-controllers')).toEqual(
      expect.arrayContaining([`Namespace/${NAMESPACE}`, 'NetworkPolicy/default-deny', 'NetworkPolicy/allow-dns']),
    );
    const webhook = docs.find(
      (d) => d.cluster === 'onprem' && d.object.metadata?.name === 'allow-webhook-from-apiserver',
    )!.object as any;
    expect(webhook.spec.ingress).toEqual([
      {
        from: [{ ipBlock: { cidr: onprem.network.nodeCidr } }, { ipBlock: { cidr: onprem.network.podCidr } }],
        ports: [{ protocol: 'TCP', port: 9443 }],
      },
    ]);
  });
});

describe('the model pool', () => {
  it.each([
    [
      'a pool outside the node network',
      (c: MetalCluster) => (c.loadBalancerPool = { first: '10.30.1.240', last: '10.30.1.250' }),
      /cluster "onprem": field loadBalancerPool 10.30.1.240-10.30.1.250 is not inside the node network 10.30.0.0\/24/,
    ],
    [
      'a pool that runs past the node network',
      (c: MetalCluster) => (c.loadBalancerPool.last = '10.30.1.5'),
      /field loadBalancerPool 10.30.0.240-10.30.1.5 is not inside the node network/,
    ],
    [
      'an empty pool',
      (c: MetalCluster) => (c.loadBalancerPool = { first: '10.30.0.250', last: '10.30.0.240' }),
      /field loadBalancerPool 10.30.0.250-10.30.0.240 is empty: first must not come after last/,
    ],
    [
      'a pool holding the control-plane VIP',
      (c: MetalCluster) => (c.loadBalancerPool.first = '10.30.0.5'),
      /field loadBalancerPool 10.30.0.5-10.30.0.254 contains the control-plane VIP 10.30.0.10/,
    ],
    [
      'a pool bound that is no address',
      (c: MetalCluster) => (c.loadBalancerPool.first = '10.30.0'),
      /field loadBalancerPool.first "10.30.0" is not an IPv4 address/,
    ],
    [
      'a pool without the federation endpoint',
      (c: MetalCluster) => (c.loadBalancerPool.first = '10.30.0.245'),
      /field platform.monitoring.federation.endpoint.address 10.30.0.240 is outside loadBalancerPool 10.30.0.245-10.30.0.254/,
    ],
    [
      'two components asking for one address',
      (c: MetalCluster) => ((c.platform.gateway as { address: string }).address = '10.30.0.240'),
      /field platform.monitoring.federation.endpoint.address asks for 10.30.0.240, which platform.gateway.address already takes/,
    ],
  ])('rejects %s', (_, change, message) => {
    expect(findProblems(withChange(change), catalogue).join('\n')).toMatch(message);
  });

  it('accepts the real pool', () => {
    expect(findProblems(estate, catalogue).filter((p) => /loadBalancerPool|load-balancing/.test(p))).toEqual([]);
  });
});

describe('values', () => {
  it('accepts the real values', () => {
    expect(validateLoadBalancing(onprem.platform['load-balancing']!, onprem)).toEqual([]);
  });

  it('rejects the component on an aws-nlb cluster, naming the component', () => {
    const copy = structuredClone(estate);
    copy.clusters.find((c) => c.name === 'aws')!.platform['load-balancing'] = {};
    expect(findProblems(copy, catalogue).join('\n')).toMatch(
      /cluster "aws": field platform\.load-balancing this component is MetalLB, for metallb clusters only: on this aws-nlb cluster the AWS cloud controller manager that Talos installs/,
    );
  });

  it.each([
    ['no interfaces on a metallb cluster', onprem, {}, 'interfaces', /must list the node interfaces/],
    ['an empty interface list', onprem, { interfaces: [] }, 'interfaces', /must list the node interfaces/],
    [
      'a bad interface name',
      onprem,
      { interfaces: ['enp1s0', 'eth 0'] },
      'interfaces[1]',
      /"eth 0" is not a network interface name/,
    ],
  ])('rejects %s, naming the field', (_, cluster, values, field, message) => {
    const problems = validateLoadBalancing(values, cluster);
    expect(problems.map((p) => p.field)).toContain(field);
    expect(problems.find((p) => p.field === field)!.message).toMatch(message);
  });
});

describe('the committed output', () => {
  const trees: string[] = [];
  afterAll(() => trees.forEach((t) => rmSync(t, { recursive: true, force: true })));

  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('load-balancing')).toEqual({ drift: [], policy: [], validate: [] });
  });

  it('is validated against the MetalLB CRDs: a misspelt pool field fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'load-balancing-test-'));
    trees.push(root);
    const pool = `apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p, namespace: ${NAMESPACE}}\nspec: {adresses: [10.30.0.240-10.30.0.254]}\n`;
    const files = {
      'clusters/onprem/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - pool.yaml\n',
      'clusters/onprem/pool.yaml': pool,
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    const report = await validateTree(root, [onprem], validationExtensionsOf(catalogue));
    expect(report.problems.map((p) => `${p.object} ${p.path}: ${p.message}`)).toEqual([
      `IPAddressPool/${NAMESPACE}/p spec: missing property 'addresses'`,
      `IPAddressPool/${NAMESPACE}/p spec: additional properties 'adresses' not allowed`,
    ]);
  });
});
