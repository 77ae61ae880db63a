// cert-manager and each cluster's ClusterIssuer. On aws clusters: ACME (Let's Encrypt) with DNS-01 through Route 53,
// as an IRSA role that may only write `_acme-challenge` TXT records. On metal clusters, whose names are internal and
// so not issuable by a public CA: a self-signed root kept by cert-manager, and a CA issuer signing with it.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { irsaCredentials, irsaRoleArn, type IrsaRole } from '../../generators/irsa';
import type { AwsCluster, Cluster } from '../../generators/model';
import { componentNamespace, fromApiServer, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { CERT_MANAGER_API, CLUSTER_ISSUER, NAMESPACE } from './api';
import { CERTIFICATES_KEYS, validateCertificates, type CertificatesValues } from './values';

export type { CertificatesValues } from './values';

const RELEASE = 'cert-manager';
/** The controller's ServiceAccount: the chart's fullname for release cert-manager (templates/_helpers.tpl, v1.21.2). */
const SERVICE_ACCOUNT = 'cert-manager';
/** The webhook's port (webhook.securePort in deploy/charts/cert-manager/values.yaml, v1.21.2). */
const WEBHOOK_PORT = 10250;
const ROOT = 'edge-root';

/**
 * Route 53 for DNS-01, as cert-manager's Route 53 guide lists it (docs/configuration/acme/dns01/route53 on
 * cert-manager.io): GetChange, ListHostedZonesByName, and record changes, here only of `_acme-challenge` TXT records.
 */
export const ACME_ROLE: IrsaRole = {
  name: 'cert-manager',
  namespace: NAMESPACE,
  serviceAccounts: [SERVICE_ACCOUNT],
  policy: () => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
      {
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'],
        Resource: 'arn:aws:route53:::hostedzone/*',
        Condition: {
          'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] },
          'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.*'] },
        },
      },
      { Sid: 'ListZonesForAcme', Effect: 'Allow', Action: 'route53:ListHostedZonesByName', Resource: '*' },
    ],
  }),
};

/** The chart's values (deploy/charts/cert-manager/values.yaml of github.com/cert-manager/cert-manager v1.21.2). */
function chartValues(cluster: Cluster): Record<string, unknown> {
  const small = { requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } };
  const values: Record<string, unknown> = {
    crds: { enabled: true, keep: true },
    replicaCount: 2,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    resources: small,
    webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, resources: small },
    cainjector: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, resources: small },
    // Ready certificates are what the Gateway waits for; Prometheus scrapes the controller through platform-configs.
    prometheus: { enabled: true, servicemonitor: { enabled: false } },
  };
  if (cluster.provider !== 'aws') return values;
  // No pod identity webhook on Talos: the controller gets the role and its projected token as plain env and volume.
  const irsa = irsaCredentials(irsaRoleArn(cluster, ACME_ROLE));
  return {
    ...values,
    extraEnv: [...irsa.env, { name: 'AWS_REGION', value: cluster.region }],
    volumes: irsa.volumes,
    volumeMounts: irsa.mounts,
    // Propagation checks ask public resolvers, not the cluster's own DNS, whether the TXT record is out.
    extraArgs: ['--dns01-recursive-nameservers-only', '--dns01-recursive-nameservers=1.1.1.1:53,8.8.8.8:53'],
  };
}

function acmeIssuer(scope: Construct, cluster: AwsCluster, values: CertificatesValues): void {
  new ApiObject(scope, 'clusterissuer', {
    apiVersion: CERT_MANAGER_API,
    kind: 'ClusterIssuer',
    metadata: { name: CLUSTER_ISSUER },
    spec: {
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        email: values.acmeEmail,
        privateKeySecretRef: { name: 'acme-account' },
        solvers: [
          {
            selector: { dnsZones: [cluster.domain] },
            // Ambient credentials: the controller's web identity (ClusterIssuers may use them by default).
            dns01: { route53: { region: cluster.region } },
          },
        ],
      },
    },
  });
}

function internalCa(scope: Construct): void {
  new ApiObject(scope, 'clusterissuer-selfsigned', {
    apiVersion: CERT_MANAGER_API,
    kind: 'ClusterIssuer',
    metadata: { name: `${ROOT}-selfsigned` },
    spec: { selfSigned: {} },
  });
  new ApiObject(scope, 'certificate-root', {
    apiVersion: CERT_MANAGER_API,
    kind: 'Certificate',
    metadata: { name: ROOT, namespace: NAMESPACE },
    spec: {
      isCA: true,
      commonName: ROOT,
      secretName: ROOT,
      duration: '87600h',
      privateKey: { algorithm: 'ECDSA', size: 384 },
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: `${ROOT}-selfsigned` },
    },
  });
  // A ClusterIssuer reads its CA Secret from the cluster resource namespace, cert-manager's own by default.
  new ApiObject(scope, 'clusterissuer', {
    apiVersion: CERT_MANAGER_API,
    kind: 'ClusterIssuer',
    metadata: { name: CLUSTER_ISSUER },
    spec: { ca: { secretName: ROOT } },
  });
}

export const certificates: Component<CertificatesValues> = {
  name: 'certificates',
  version: versions.certManager,
  keys: CERTIFICATES_KEYS,
  validate: validateCertificates,
  crds: {
    groups: ['cert-manager.io', 'acme.cert-manager.io'],
    sources: [{ module: 'github.com/cert-manager/cert-manager', version: versions.certManager, dir: 'deploy/crds' }],
  },
  irsaRoles: [ACME_ROLE],
  render(ctx, values) {
    const { cluster } = ctx;
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, cluster, NAMESPACE, 'restricted');
    networkPolicy(controllers, NAMESPACE, 'allow-webhook-from-apiserver', {
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'webhook' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: WEBHOOK_PORT }] }],
    });
    if (cluster.provider === 'aws') {
      // ACME, STS and Route 53 over HTTPS, and the public resolvers of the propagation check.
      networkPolicy(controllers, NAMESPACE, 'allow-acme-and-route53', {
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'controller' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
            ports: [
              { protocol: 'TCP', port: 443 },
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      });
    }
    helmRepository(controllers, RELEASE, { namespace: NAMESPACE, url: 'https://charts.jetstack.io' });
    helmRelease(controllers, RELEASE, {
      namespace: NAMESPACE,
      chart: 'cert-manager',
      version: `v${versions.certManager}`,
      repository: RELEASE,
      values: chartValues(cluster),
    });
    const configs = ctx.chart('platform-configs');
    if (cluster.provider === 'aws') acmeIssuer(configs, cluster, values);
    else internalCa(configs);
  },
};
