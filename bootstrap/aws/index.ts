// Pulumi program: the AWS primitives of the estate's aws cluster. The stack name is the cluster's name in
// generators/estate/clusters.ts; Pulumi.<stack>.yaml adds what the model does not say. Configuration is validated
// before any resource is declared.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import { imagesOf, irsaRolesOf } from '../../generators/registries';
import { declareAnalysisRoles, declareGrafana, declareMetricsWorkspace } from './analysis';
import { declareApiLoadBalancer } from './api-endpoint';
import { declareCatalogue } from './catalogue';
import { declareCompaction } from './compaction';
import { checkAccount, loadSettings, PROJECT, readStackConfig } from './config';
import { declareGithubOidc } from './github-oidc';
import { declareDatabaseBucket, declareFailoverRecords } from './failover';
import { declareKeys } from './encryption';
import { declareIdentities } from './iam';
import { declareLogBucket } from './log-bucket';
import { declareNetwork } from './network';
import { declareNodeLifecycle } from './node-lifecycle';
import { declareNodes } from './nodes';
import { declareOidcIssuer, readOidcDocuments } from './oidc-issuer';
import { declarePreviewRole } from './preview-role';
import { declareRegistry } from './registry';
import type { AwsBootstrapOutputs } from './outputs';
import { declareSecurityGroups } from './security-groups';

const config = pulumi.runtime.allConfig();
const settings = loadSettings(pulumi.getStack(), config['aws:region'], readStackConfig(config), estate);
const caller = await aws.getCallerIdentity();
checkAccount(settings, caller.accountId);
const tags = { cluster: settings.cluster.name, 'managed-by': `pulumi/${PROJECT}` };

const network = declareNetwork(settings, tags);
const groups = declareSecurityGroups(settings, network.vpc.id, tags);
const issuer = declareOidcIssuer(settings, readOidcDocuments(settings), tags);
const onPremCluster = estate.clusters.find((c) => c.name === settings.onPrem.name)!;
const roles = { aws: irsaRolesOf(settings.cluster, catalogue), onPrem: irsaRolesOf(onPremCluster, catalogue) };
const identities = declareIdentities(settings, roles, network.vpc.arn, issuer.url, tags);
const analysisRoles = declareAnalysisRoles(settings, tags);
const keys = declareKeys(settings, roles, caller.arn, tags, Object.values(analysisRoles));
const bucket = declareLogBucket(settings, keys.telemetry, tags, [settings.cluster, onPremCluster]);
const glue = declareCatalogue(settings, bucket, keys.telemetry, tags);
const metrics = declareMetricsWorkspace(settings, keys.metrics, tags);
const grafana = declareGrafana(settings, analysisRoles.grafana, metrics.arn, glue, bucket, tags);
declareCompaction(settings, analysisRoles.compaction, glue, bucket, tags);
const backups = declareDatabaseBucket(settings, keys.database, tags);
declareFailoverRecords(settings.failover, tags);
const api = declareApiLoadBalancer(settings, network, groups, tags);
const github = declareGithubOidc(tags);
const images = imagesOf(catalogue);
const nodeRoles = { controlplane: identities.controlPlaneRole, worker: identities.workerRole };
const registry = declareRegistry(settings, images, estate.repository.url, nodeRoles, github, tags);
const previewRole = declarePreviewRole(settings, estate, github, tags);
const configs = settings.machineConfigs;
const nodes = configs
  ? declareNodes(
      settings,
      { controlPlane: pulumi.secret(configs.controlPlane), worker: pulumi.secret(configs.worker) },
      network,
      groups,
      identities,
      api,
      tags,
      keys.ebs.arn,
    )
  : undefined;
const lifecycle = nodes && declareNodeLifecycle(settings, nodes.workerGroup, tags);

const outputs: { [K in keyof AwsBootstrapOutputs]-?: pulumi.Output<AwsBootstrapOutputs[K]> } = {
  cluster: pulumi.output(settings.cluster.name),
  region: pulumi.output(settings.region),
  apiEndpoint: api.endpoint,
  controlPlaneIps: pulumi.output(settings.controlPlane.privateIps),
  nodesDeclared: pulumi.output(nodes !== undefined),
  vpcId: network.vpc.id,
  publicSubnetIds: pulumi.output(network.publicSubnets.map((s) => s.id)),
  privateSubnetIds: pulumi.output(network.privateSubnets.map((s) => s.id)),
  securityGroupIds: pulumi.output({
    controlPlane: groups.controlPlane.id,
    worker: groups.worker.id,
    apiLoadBalancer: groups.apiLoadBalancer.id,
  }),
  roleArns: pulumi.output({
    controlPlane: identities.controlPlaneRole.arn,
    worker: identities.workerRole.arn,
    pulumiPreview: previewRole.arn,
    irsa: pulumi.output(
      Object.fromEntries(Object.entries(identities.irsaRoles).map(([name, role]) => [name, role.arn])),
    ),
  }),
  logBucket: pulumi.output({ name: bucket.bucket, region: settings.logArchive.region, arn: bucket.arn }),
  databaseBucket: backups
    ? pulumi.output({ name: backups.bucket, region: settings.region, arn: backups.arn })
    : pulumi.output(null),
  serviceAccountIssuer: issuer.url,
  accessKeys: pulumi.secret(
    Object.fromEntries(
      Object.entries(identities.accessKeys).map(([user, key]) => [
        user,
        { accessKeyId: key.id, secretAccessKey: key.secret },
      ]),
    ),
  ),
  vpnTunnels: pulumi.output({ tunnel1Address: network.vpn.tunnel1Address, tunnel2Address: network.vpn.tunnel2Address }),
  imageRepositories: pulumi.output(
    Object.fromEntries(Object.entries(registry.repositories).map(([image, r]) => [image, r.repositoryUrl])),
  ),
  imagePushRoleArn: registry.pushRole.arn,
  nodeTerminationQueueUrl: lifecycle ? lifecycle.queue.url : pulumi.output(undefined),
  vpnPresharedKeys: pulumi.secret({
    tunnel1: network.vpn.tunnel1PresharedKey,
    tunnel2: network.vpn.tunnel2PresharedKey,
  }),
  analysis: pulumi.output({
    grafanaUrl: grafana.url,
    grafanaWorkspaceId: grafana.workspace.id,
    // Checked against the model's remoteWrite.workspaceId (analysis.ts), which the first `pulumi up` cannot know yet.
    prometheusEndpoint: metrics.arn.apply(() => metrics.workspace.prometheusEndpoint),
    athenaWorkgroup: glue.workgroup.name,
    athenaDatabase: glue.database.name,
  }),
};

export const {
  cluster,
  region,
  apiEndpoint,
  controlPlaneIps,
  nodesDeclared,
  vpcId,
  publicSubnetIds,
  privateSubnetIds,
  securityGroupIds,
  roleArns,
  logBucket,
  databaseBucket,
  serviceAccountIssuer,
  accessKeys,
  vpnTunnels,
  imageRepositories,
  imagePushRoleArn,
  nodeTerminationQueueUrl,
  vpnPresharedKeys,
  analysis,
} = outputs;
