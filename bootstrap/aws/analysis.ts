// Long-term metrics and the managed dashboards: the Amazon Managed Service for Prometheus workspace that the aws
// Prometheus remote-writes to (the federated on-prem aggregates included), and an Amazon Managed Grafana workspace
// whose role may query that workspace and the Athena catalogue (catalogue.ts), and nothing else.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { metricsWorkspaceOf } from '../../platform/monitoring/api';
import { COMPACTION_ROLE, GRAFANA_ROLE } from './analysis-names';
import { analystPolicy, type Catalogue } from './catalogue';
import { ConfigError, MODEL_FILE, type Settings } from './config';

export interface AnalysisRoles {
  grafana: aws.iam.Role;
  compaction: aws.iam.Role;
}

/**
 * A role a service assumes for this account only (the confused-deputy conditions of AMG User Guide, "Amazon Managed
 * Grafana permissions and policies for AWS data sources", and EventBridge Scheduler User Guide, "Set up the execution
 * role").
 */
function serviceRole(
  name: string,
  service: string,
  sourceArn: string,
  description: string,
  tags: Record<string, string>,
) {
  const account = sourceArn.split(':')[4];
  return new aws.iam.Role(name, {
    name,
    description,
    tags,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: service },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': sourceArn } },
        },
      ],
    }),
  });
}

export const COMPACTION_GROUP = (cluster: string) => `${cluster}-parquet-compaction`;

/** Declared before the keys, whose policies name them (KMS rejects a policy naming a principal that does not exist). */
export function declareAnalysisRoles(settings: Settings, tags: Record<string, string>): AnalysisRoles {
  const { name, accountId } = settings.cluster;
  const at = (service: string, resource: string) => `arn:aws:${service}:${settings.region}:${accountId}:${resource}`;
  return {
    grafana: serviceRole(
      GRAFANA_ROLE(name),
      'grafana.amazonaws.com',
      at('grafana', '/workspaces/*'),
      'The managed Grafana: queries the metrics workspace and the Athena catalogue',
      tags,
    ),
    compaction: serviceRole(
      COMPACTION_ROLE(name),
      'scheduler.amazonaws.com',
      at('scheduler', `schedule-group/${COMPACTION_GROUP(name)}`),
      'Runs the daily Parquet compaction in the Athena workgroup',
      tags,
    ),
  };
}

/**
 * Pulumi creates the workspace and AMP gives it its id; the model must name that id (the rendered remote-write URL and
 * the remote-write role's policy use it), so `pulumi up` fails until it does.
 */
export function checkMetricsWorkspace(settings: Settings, declaredId: string): void {
  const modelled = metricsWorkspaceOf(settings.cluster);
  if (modelled !== declaredId)
    throw new ConfigError([
      `${MODEL_FILE}: cluster "${settings.cluster.name}" platform.monitoring.remoteWrite.workspaceId ` +
        `${JSON.stringify(modelled)} is not the workspace this stack declares (${declaredId}): ` +
        'set it and run npm run render',
    ]);
}

export function declareMetricsWorkspace(
  settings: Settings,
  key: aws.kms.Key,
  tags: Record<string, string>,
): { workspace: aws.amp.Workspace; arn: pulumi.Output<string> } {
  const workspace = new aws.amp.Workspace('metrics', {
    alias: `${settings.cluster.name}-metrics`,
    kmsKeyArn: key.arn,
    tags,
  });
  const arn = pulumi.all([workspace.id, workspace.arn]).apply(([id, workspaceArn]) => {
    checkMetricsWorkspace(settings, id);
    return workspaceArn;
  });
  return { workspace, arn };
}

/** What the Grafana Athena data source lists besides what it queries (AMG User Guide, "Connect to Athena"). */
const ATHENA_CATALOGUE_ACTIONS = [
  'athena:GetDataCatalog',
  'athena:GetDatabase',
  'athena:ListDatabases',
  'athena:GetTableMetadata',
  'athena:ListTableMetadata',
];
/** The Prometheus query APIs of AMP (AMP User Guide, "Prometheus-compatible APIs" and their IAM actions). */
export const AMP_QUERY_ACTIONS = ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'];

/** The analyst's reach (catalogue.ts analystPolicy), plus the metrics workspace and Athena's default catalogue. */
export function grafanaPolicy(
  settings: Settings,
  metricsWorkspace: pulumi.Input<string>,
  catalogue: Catalogue,
  logBucket: pulumi.Input<string>,
) {
  const { region } = settings;
  const account = settings.cluster.accountId;
  const analyst = analystPolicy(
    region,
    account,
    catalogue.workgroup.arn,
    logBucket,
    catalogue.results.arn,
    settings.logArchive.bucket,
  );
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'QueryMetrics', Effect: 'Allow', Action: AMP_QUERY_ACTIONS, Resource: [metricsWorkspace] },
      {
        Sid: 'ListAthenaCatalogue',
        Effect: 'Allow',
        Action: ATHENA_CATALOGUE_ACTIONS,
        Resource: [`arn:aws:athena:${region}:${account}:datacatalog/AwsDataCatalog`],
      },
      ...analyst.Statement,
    ],
  };
}

export interface Grafana {
  workspace: aws.grafana.Workspace;
  url: pulumi.Output<string>;
}

export function declareGrafana(
  settings: Settings,
  role: aws.iam.Role,
  metricsWorkspace: pulumi.Output<string>,
  catalogue: Catalogue,
  logBucket: aws.s3.Bucket,
  tags: Record<string, string>,
): Grafana {
  const { name } = settings.cluster;
  new aws.iam.RolePolicy(`${GRAFANA_ROLE(name)}-data-sources`, {
    role: role.id,
    policy: pulumi.jsonStringify(grafanaPolicy(settings, metricsWorkspace, catalogue, logBucket.arn)),
  });
  const auth = settings.grafana;
  const workspace = new aws.grafana.Workspace('grafana', {
    name: `${name}-estate`,
    description: 'Dashboards over the estate: metrics of both sites (AMP) and the S3 archive (Athena)',
    accountAccessType: 'CURRENT_ACCOUNT',
    authenticationProviders: [auth.provider],
    // The workspace uses `roleArn` as it is: no AWS-managed policies are attached to it on our behalf.
    permissionType: 'CUSTOMER_MANAGED',
    roleArn: role.arn,
    dataSources: ['PROMETHEUS', 'ATHENA'],
    tags,
  });
  if (auth.provider === 'SAML') {
    new aws.grafana.WorkspaceSamlConfiguration('grafana-saml', {
      workspaceId: workspace.id,
      idpMetadataUrl: auth.idpMetadataUrl,
      roleAssertion: auth.roleAssertion,
      adminRoleValues: auth.adminRoleValues,
      editorRoleValues: [],
    });
  } else {
    new aws.grafana.RoleAssociation('grafana-admins', {
      workspaceId: workspace.id,
      role: 'ADMIN',
      groupIds: auth.adminGroupIds,
    });
  }
  return { workspace, url: pulumi.interpolate`https://${workspace.endpoint}` };
}
