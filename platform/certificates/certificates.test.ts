// cert-manager on the real model: ACME DNS-01 through Route 53 with the IRSA role on aws, the internal CA on metal;
// the role's scope; the values checks; the gates.
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { ACME_ROLE } from './index';
import { validateCertificates } from './values';

const aws = estate.clusters.find((c) => c.name === 'aws')!;
const onprem = estate.clusters.find((c) => c.name === 'onprem')!;

describe('rendering', () => {
  const docs = componentDocs('certificates');
  const find = (cluster: string, kind: string) =>
    docs.filter((d) => d.cluster === cluster && d.object.kind === kind).map((d) => d.object as any);

  it('issues on aws by ACME DNS-01 in the cluster zone, as the IRSA role', () => {
    const [issuer] = find('aws', 'ClusterIssuer');
    expect(issuer.spec.acme.solvers).toEqual([
      { selector: { dnsZones: ['aws.acme.example'] }, dns01: { route53: { region: 'eu-central-1' } } },
    ]);
    const env = find('aws', 'HelmRelease')[0].spec.values.extraEnv;
    expect(env).toContainEqual({ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/aws-cert-manager' });
  });

  it('issues on-prem from the internal CA, rooted in a self-signed certificate', () => {
    const issuers = find('onprem', 'ClusterIssuer').map((i) => [i.metadata.name, Object.keys(i.spec)[0]]);
    expect(issuers.sort()).toEqual([
      ['edge', 'ca'],
      ['edge-root-selfsigned', 'selfSigned'],
    ]);
    expect(find('onprem', 'Certificate')[0].spec).toMatchObject({ isCA: true, secretName: 'edge-root' });
    expect(find('onprem', 'HelmRelease')[0].spec.values.extraEnv).toBeUndefined();
  });

  it('lets the role change only _acme-challenge TXT records', () => {
    const statements = (
      ACME_ROLE.policy({ cluster: 'aws', region: 'eu-central-1', accountId: '111122223333', bucket: 'b' }) as any
    ).Statement;
    const change = statements.find((s: any) => s.Action.includes?.('route53:ChangeResourceRecordSets'));
    expect(change.Condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
    });
  });
});

describe('values', () => {
  it('accepts the real values', () => {
    for (const cluster of estate.clusters)
      expect(validateCertificates(cluster.platform.certificates!, cluster)).toEqual([]);
  });

  it.each([
    ['no ACME address on aws', aws, {}, /must be an e-mail address/],
    ['an ACME address on metal', onprem, { acmeEmail: 'a@acme.example' }, /is for aws clusters/],
  ])('rejects %s, naming the field', (_, cluster, values, message) => {
    const problems = validateCertificates(values, cluster);
    expect(problems.map((p) => p.field)).toEqual(['acmeEmail']);
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('the committed output', () => {
  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('certificates')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
