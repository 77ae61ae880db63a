// The estate: every cluster and what it runs. Adding a cluster is one more entry in `clusters`. The schema is
// generators/model.ts; `EstateOf` types each component's values by the catalogue, the one composition root.
import { versions } from '../versions';
import type { EstateOf } from './catalogue';

export const estate: EstateOf = {
  repository: { url: 'ssh://git@github.com/acme/hybrid-gitops-platform.git', branch: 'main' },
  logArchive: { bucket: 'acme-estate-telemetry', region: 'eu-central-1', retentionDays: 400 },
  database: {
    primarySite: 'onprem',
    backups: { bucket: 'acme-estate-databases', region: 'eu-central-1', retentionDays: 30 },
  },
  clusters: [
    {
      name: 'aws',
      provider: 'aws',
      region: 'eu-central-1',
      // Placeholders until the real account is known and the first `pulumi up` prints the issuer's URL: README
      // "AWS bootstrap (Pulumi)".
      accountId: '111122223333',
      serviceAccountIssuer: 'https://d111111abcdef8.cloudfront.net',
      kubernetesVersion: versions.kubernetes,
      // The account's own ECR: in the region, pulled with the instance role, up when GHCR is not.
      registry: 'ecr',
      domain: 'aws.acme.example',
      ingress: { className: 'envoy', controllerNamespace: 'envoy-gateway-system', loadBalancer: 'aws-nlb' },
      storageClass: 'gp3',
      network: { nodeCidr: '10.10.0.0/16', podCidr: '10.20.0.0/16', serviceCidr: '10.21.0.0/16' },
      flux: { path: 'clusters/aws', ageRecipient: 'age1c539rg3hvlj8xjjzetn708kxnrh9u6chy2t8e7dlkal9ck9785js765l3g' },
      talos: { cni: { name: 'calico' }, install: { disk: '/dev/xvda' } },
      platform: {
        'log-export': { s3Identity: 'web-identity', queueRequests: 5000, statesInterval: '15m' },
        gateway: {
          replicas: 2,
          requests: { cpu: '100m', memory: '128Mi' },
          memoryLimit: '512Mi',
          scheme: 'internet-facing',
          listeners: [
            { name: 'tasks', hostname: 'tasks.aws.acme.example', namespace: 'task-tracker' },
            // task-tracker's public name, which Route 53 resolves to the primary site (bootstrap/aws/failover.ts).
            { name: 'tasks-public', hostname: 'tasks.acme.example', namespace: 'task-tracker', failover: true },
            { name: 'flux-webhook', hostname: 'flux-webhook.aws.acme.example', namespace: 'flux-system' },
            { name: 'grafana', hostname: 'grafana.aws.acme.example', namespace: 'monitoring' },
          ],
          requestsPerMinute: 300,
          maxRequestBody: '64Ki',
        },
        certificates: { acmeEmail: 'platform@acme.example' },
        storage: { reclaimPolicy: 'Delete' },
        metrics: { replicas: 2, requests: { cpu: '50m', memory: '64Mi' }, memoryLimit: '256Mi' },
        'cluster-autoscaler': {
          scaleDownUtilizationThreshold: 0.5,
          scaleDownUnneededTime: '10m',
          scaleDownDelayAfterAdd: '10m',
          requests: { cpu: '100m', memory: '300Mi' },
          memoryLimit: '600Mi',
        },
        'node-termination-handler': {
          replicas: 2,
          nodeGracePeriodSeconds: 300,
          requests: { cpu: '50m', memory: '64Mi' },
          memoryLimit: '128Mi',
        },
        // The snapshots' age recipient is a placeholder whose identity nobody keeps: generate the real key pair
        // offline before go-live (platform/etcd-backup/README.md, "The encryption key").
        'etcd-backup': {
          intervalHours: 6,
          retentionDays: 14,
          ageRecipient: 'age12etynylf8xaq42qe48std3mv09hzfmxe4qmrw3xj9e6kn4qruu7qhcmyhp',
        },
        'flux-feedback': { receiverHostname: 'flux-webhook.aws.acme.example', listener: 'flux-webhook' },
        'cloudnative-pg': {},
        monitoring: {
          prometheus: {
            retention: '30d',
            storageGi: 100,
            requests: { cpu: '500m', memory: '2Gi' },
            memoryLimit: '4Gi',
          },
          federation: {
            role: 'central',
            sources: [{ cluster: 'onprem', interval: '30s', timeout: '10s', sampleLimit: 5000 }],
            grafana: { hostname: 'grafana.aws.acme.example', listener: 'grafana' },
          },
          // Placeholder until the first `pulumi up` prints the workspace (output analysis.prometheusEndpoint).
          remoteWrite: { workspaceId: 'ws-00000000-0000-4000-8000-000000000000' },
        },
      },
      apps: {
        'task-tracker': {
          replicas: { min: 3, max: 10 },
          hostname: 'tasks.aws.acme.example',
          publicHostname: 'tasks.acme.example',
          listener: 'tasks',
          publicListener: 'tasks-public',
          database: { instances: 2, storageGi: 20 },
        },
      },
    },
    {
      name: 'onprem',
      provider: 'metal',
      site: 'fra-dc1',
      vpnPeer: { publicIp: '203.0.113.10', bgpAsn: 65010 },
      loadBalancerPool: { first: '10.30.0.240', last: '10.30.0.254' },
      kubernetesVersion: versions.kubernetes,
      registry: 'ghcr',
      domain: 'onprem.acme.internal',
      ingress: { className: 'envoy', controllerNamespace: 'envoy-gateway-system', loadBalancer: 'metallb' },
      storageClass: 'local-path',
      network: { nodeCidr: '10.30.0.0/24', podCidr: '10.40.0.0/16', serviceCidr: '10.41.0.0/16' },
      flux: { path: 'clusters/onprem', ageRecipient: 'age1cqky60axu0ml0q7pampchthx5ya6t633ftk4n9a0zep026df6gcqpw57t5' },
      talos: {
        endpoint: 'https://10.30.0.10:6443',
        cni: { name: 'calico' },
        install: { disk: '/dev/sda' },
        vip: { address: '10.30.0.10', link: 'enp1s0' },
      },
      platform: {
        'log-export': { s3Identity: 'access-key', queueRequests: 5000, statesInterval: '15m' },
        gateway: {
          replicas: 2,
          requests: { cpu: '100m', memory: '128Mi' },
          memoryLimit: '512Mi',
          address: '10.30.0.241',
          listeners: [
            { name: 'tasks', hostname: 'tasks.onprem.acme.internal', namespace: 'task-tracker' },
            { name: 'tasks-public', hostname: 'tasks.acme.example', namespace: 'task-tracker', failover: true },
            { name: 'flux-webhook', hostname: 'flux-webhook.onprem.acme.internal', namespace: 'flux-system' },
          ],
          requestsPerMinute: 300,
          maxRequestBody: '64Ki',
        },
        certificates: {},
        'load-balancing': { interfaces: ['enp1s0'] },
        storage: { reclaimPolicy: 'Delete', volumeDirectory: '/var/local-path-provisioner' },
        metrics: { replicas: 2, requests: { cpu: '50m', memory: '64Mi' }, memoryLimit: '256Mi' },
        // The same placeholder recipient as on aws.
        'etcd-backup': {
          intervalHours: 6,
          retentionDays: 14,
          ageRecipient: 'age12etynylf8xaq42qe48std3mv09hzfmxe4qmrw3xj9e6kn4qruu7qhcmyhp',
        },
        'flux-feedback': { receiverHostname: 'flux-webhook.onprem.acme.internal', listener: 'flux-webhook' },
        'cloudnative-pg': {},
        // Streaming runs on-prem (platform/streaming): task-tracker produces, the stream job aggregates, log-export
        // ships the aggregates.
        kafka: {
          storageGi: 20,
          requests: { cpu: '250m', memory: '2Gi' },
          memoryLimit: '2Gi',
          topics: [
            { name: 'task-events', partitions: 6, retentionHours: 168 },
            { name: 'task-aggregates', partitions: 3, compacted: true },
          ],
          users: [
            {
              name: 'task-tracker',
              namespace: 'task-tracker',
              acls: [
                { resource: 'topic', name: 'task-events', operations: ['Write', 'Describe'] },
                { resource: 'cluster', operations: ['IdempotentWrite'] },
              ],
            },
            {
              name: 'task-stream',
              namespace: 'streaming',
              acls: [
                { resource: 'topic', name: 'task-events', operations: ['Read'] },
                { resource: 'topic', name: 'task-aggregates', operations: ['Write'] },
                // Kafka Streams' internal topics and its exactly_once_v2 transactional ids carry the app id prefix.
                { resource: 'topic', name: 'task-stream-', prefix: true, operations: ['All'] },
                { resource: 'transactionalId', name: 'task-stream-', prefix: true, operations: ['All'] },
                { resource: 'group', name: 'task-stream', operations: ['Read'] },
              ],
            },
            {
              name: 'log-export',
              namespace: 'log-export',
              acls: [
                { resource: 'topic', name: 'task-aggregates', operations: ['Read'] },
                { resource: 'group', name: 'log-export', operations: ['Read'] },
              ],
            },
          ],
        },
        // Streaming runs here, next to the brokers (platform/kafka); aws receives only its aggregates, federated.
        streaming: {
          windowGraceSeconds: 10,
          staleAfterMinutes: 10,
          requests: { cpu: '100m', memory: '384Mi' },
          memoryLimit: '768Mi',
        },
        monitoring: {
          prometheus: { retention: '7d', storageGi: 50, requests: { cpu: '250m', memory: '1Gi' }, memoryLimit: '2Gi' },
          federation: {
            role: 'source',
            endpoint: { hostname: 'prometheus-federate.onprem.acme.internal', address: '10.30.0.240', port: 9443 },
          },
        },
      },
      apps: {
        'task-tracker': {
          replicas: { min: 2, max: 4 },
          hostname: 'tasks.onprem.acme.internal',
          publicHostname: 'tasks.acme.example',
          listener: 'tasks',
          publicListener: 'tasks-public',
          database: { instances: 2, storageGi: 20 },
        },
      },
    },
  ],
};
