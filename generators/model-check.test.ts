import { describe, expect, it } from 'vitest';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import type { Estate } from './model';
import { findProblems, ModelError } from './model-check';
import { renderEstate } from './render';
import { syntheticApp } from './testing/synthetic.testkit';

function withChange(change: (e: Estate) => void): Estate {
  const copy = structuredClone(estate);
  change(copy);
  return copy;
}

const testCatalogue = { platform: catalogue.platform, apps: { ...catalogue.apps, web: syntheticApp('web') } };
const aws = (e: Estate) => e.clusters[0] as any;
const onprem = (e: Estate) => e.clusters[1] as any;

describe('cluster model validation', () => {
  it('accepts the real estate', () => {
    expect(findProblems(estate, catalogue)).toEqual([]);
  });

  const cases: [string, (e: Estate) => void, RegExp][] = [
    ['duplicate cluster names', (e) => (onprem(e).name = 'aws'), /cluster "aws": field name duplicates cluster #0/],
    [
      'an invalid cluster name',
      (e) => (aws(e).name = 'AWS_1'),
      /cluster "AWS_1": field name "AWS_1" is not a DNS label/,
    ],
    [
      'overlapping CIDRs within a cluster',
      (e) => (aws(e).network.serviceCidr = '10.20.128.0/17'),
      /cluster "aws": field network.serviceCidr 10.20.128.0\/17 overlaps cluster "aws" network.podCidr/,
    ],
    [
      'overlapping CIDRs across clusters',
      (e) => (onprem(e).network.nodeCidr = '10.10.5.0/24'),
      /cluster "onprem": field network.nodeCidr 10.10.5.0\/24 overlaps cluster "aws" network.nodeCidr/,
    ],
    [
      'a malformed CIDR',
      (e) => (aws(e).network.podCidr = '10.20.0.1/16'),
      /cluster "aws": field network.podCidr "10.20.0.1\/16" is not an IPv4 CIDR/,
    ],
    [
      'an unknown platform component',
      (e) => (aws(e).platform = { tracing: {} }),
      /cluster "aws": field platform.tracing unknown platform component/,
    ],
    ['an unknown app', (e) => (onprem(e).apps = { shop: {} }), /cluster "onprem": field apps.shop unknown app/],
    ['a missing field', (e) => delete aws(e).domain, /cluster "aws": field domain is missing/],
    ['a missing region', (e) => delete aws(e).region, /cluster "aws": field region is missing/],
    [
      'an unknown image registry',
      (e) => ((aws(e) as any).registry = 'quay'),
      /cluster "aws": field registry "quay" is unknown; use one of ghcr, ecr/,
    ],
    ['a missing image registry', (e) => delete (aws(e) as any).registry, /cluster "aws": field registry .*unknown/],
    [
      'an ECR registry on a cluster without an AWS account',
      (e) => ((onprem(e) as any).registry = 'ecr'),
      /cluster "onprem": field registry "ecr" is the registry of an aws cluster's own account/,
    ],
    [
      'a malformed AWS account id',
      (e) => (aws(e).accountId = '1111-2222-3333'),
      /cluster "aws": field accountId "1111-2222-3333" is not a 12-digit AWS account id/,
    ],
    [
      'a service-account issuer that is not https',
      (e) => (aws(e).serviceAccountIssuer = 'http://d111.cloudfront.net'),
      /cluster "aws": field serviceAccountIssuer "http:\/\/d111.cloudfront.net" is not an https URL/,
    ],
    [
      'a service-account issuer with a trailing slash',
      (e) => (aws(e).serviceAccountIssuer = 'https://d111.cloudfront.net/'),
      /cluster "aws": field serviceAccountIssuer "https:\/\/d111.cloudfront.net\/" is not an https URL of a host alone/,
    ],
    [
      'a floating Kubernetes version',
      (e) => (aws(e).kubernetesVersion = '1.35'),
      /cluster "aws": field kubernetesVersion "1.35" is not an exact version/,
    ],
    [
      'a prefixed Kubernetes version',
      (e) => (onprem(e).kubernetesVersion = 'v1.35.4'),
      /cluster "onprem": field kubernetesVersion "v1.35.4" is not an exact version/,
    ],
    [
      'an unsupported Kubernetes version',
      (e) => (aws(e).kubernetesVersion = '1.18.0'),
      /cluster "aws": field kubernetesVersion 1.18.0 is not a supported Kubernetes release/,
    ],
    [
      'a Flux path that is not the cluster folder',
      (e) => (aws(e).flux.path = 'clusters/prod'),
      /cluster "aws": field flux.path "clusters\/prod" must be "clusters\/aws"/,
    ],
    [
      'a bad age recipient',
      (e) => (onprem(e).flux.ageRecipient = 'ssh-ed25519 AAAA'),
      /cluster "onprem": field flux.ageRecipient "ssh-ed25519 AAAA" is not an age public key/,
    ],
    ['an unknown provider', (e) => (aws(e).provider = 'gcp'), /cluster "aws": field provider "gcp" is unknown/],
    [
      'a load balancer that does not fit the provider',
      (e) => (onprem(e).ingress.loadBalancer = 'aws-nlb'),
      /cluster "onprem": field ingress.loadBalancer "aws-nlb" does not fit provider metal/,
    ],
    [
      'bad component values',
      (e) => (aws(e).apps = { web: { replicas: 0, image: 'x:1' } }),
      /cluster "aws": field apps.web.replicas must be a positive integer/,
    ],
  ];

  it.each(cases)('rejects %s, naming the cluster and the field', (_, change, message) => {
    const problems = findProblems(withChange(change), testCatalogue);
    expect(problems.join('\n')).toMatch(message);
  });

  it('refuses to render an invalid model and names the model file', () => {
    const broken = withChange((e) => delete aws(e).storageClass);
    expect(() => renderEstate(broken, testCatalogue)).toThrow(ModelError);
    expect(() => renderEstate(broken, testCatalogue)).toThrow(
      /generators\/estate\/clusters.ts[\s\S]*cluster "aws": field storageClass is missing/,
    );
  });
});
