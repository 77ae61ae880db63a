// The cluster's public service-account issuer: the OIDC discovery document and JWKS that bootstrap/talos gen-config
// derives from the Talos secrets, in a private bucket served by CloudFront through Origin Access Control. STS fetches
// them to verify the pods' projected tokens (generators/irsa.ts).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { OIDC_DOCUMENT_PATHS } from '../../generators/irsa';
import { repoRoot } from '../../generators/repo';
import { ConfigError, MODEL_FILE, type Settings } from './config';
import { denyInsecureTransport, keepCurrentObjects, privateBucket } from './private-bucket';

/** AWS's managed cache policy "Managed-CachingOptimized". */
export const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';
/** A replaced JWKS stays recoverable this long. */
export const NONCURRENT_VERSION_DAYS = 30;

/** The documents by path under the issuer, read from `<talosOutDir>/oidc/`. */
export type OidcDocuments = Record<(typeof OIDC_DOCUMENT_PATHS)[number], string>;

/** `<talosOutDir>/oidc`, where gen-config writes the documents. */
export function oidcDocumentsDir(settings: Settings): string {
  return join(isAbsolute(settings.talosOutDir) ? settings.talosOutDir : join(repoRoot, settings.talosOutDir), 'oidc');
}

/**
 * The documents gen-config wrote, or undefined before it has run (the first `pulumi up`). Nodes are declared only with
 * their issuer published, and the documents must be those of the model's issuer.
 */
export function readOidcDocuments(settings: Settings): OidcDocuments | undefined {
  const dir = oidcDocumentsDir(settings);
  const issuer = settings.cluster.serviceAccountIssuer;
  const rerun = `run \`npm run talos -- gen-config --cluster ${settings.cluster.name}\` (README "Standing up a cluster")`;
  const missing = OIDC_DOCUMENT_PATHS.filter((path) => !existsSync(join(dir, path)));
  if (missing.length === OIDC_DOCUMENT_PATHS.length && !settings.machineConfigs) return undefined;
  if (missing.length) {
    throw new ConfigError([
      `${join(dir, missing[0]!)} is missing: the nodes need their service-account issuer published; ${rerun}`,
    ]);
  }
  const documents = Object.fromEntries(
    OIDC_DOCUMENT_PATHS.map((path) => [path, readFileSync(join(dir, path), 'utf8')]),
  ) as OidcDocuments;
  const discoveryFile = join(dir, OIDC_DOCUMENT_PATHS[0]);
  let generatedFor: unknown;
  try {
    generatedFor = (JSON.parse(documents[OIDC_DOCUMENT_PATHS[0]]) as { issuer?: unknown }).issuer;
  } catch (error) {
    throw new ConfigError([`${discoveryFile}: not JSON (${(error as Error).message}); ${rerun}`]);
  }
  if (generatedFor !== issuer) {
    throw new ConfigError([
      `${discoveryFile}: field issuer ${JSON.stringify(generatedFor)} is not cluster "${settings.cluster.name}" serviceAccountIssuer ${issuer} of ${MODEL_FILE}; ${rerun}`,
    ]);
  }
  return documents;
}

/** The published issuer must be the one the model gives the API server and the IAM OIDC provider. */
export function checkIssuerUrl(settings: Settings, distributionDomain: string): void {
  const published = `https://${distributionDomain}`;
  if (published !== settings.cluster.serviceAccountIssuer) {
    throw new ConfigError([
      `${MODEL_FILE}: cluster "${settings.cluster.name}" serviceAccountIssuer ${settings.cluster.serviceAccountIssuer} is not the distribution that publishes it (${published}): set it to that URL, then run gen-config and \`pulumi up\` again (README "AWS bootstrap (Pulumi)")`,
    ]);
  }
}

export function declareOidcIssuer(
  settings: Settings,
  documents: OidcDocuments | undefined,
  tags: Record<string, string>,
) {
  const name = (suffix: string) => `oidc-issuer-${suffix}`;
  // Current documents never expire (policy/conventions.ts BUCKETS_WITHOUT_EXPIRY).
  const bucket = privateBucket('oidc-issuer', {
    bucket: `${settings.cluster.name}-oidc-issuer-${settings.cluster.accountId}`,
    tags,
    lifecycle: [keepCurrentObjects('old-versions', NONCURRENT_VERSION_DAYS)],
  });

  const accessControl = new aws.cloudfront.OriginAccessControl(name('access'), {
    originAccessControlOriginType: 's3',
    signingBehavior: 'always',
    signingProtocol: 'sigv4',
  });
  const originId = 'oidc-documents';
  const distribution = new aws.cloudfront.Distribution(name('distribution'), {
    enabled: true,
    comment: `service-account issuer of cluster ${settings.cluster.name}`,
    origins: [{ originId, domainName: bucket.bucketRegionalDomainName, originAccessControlId: accessControl.id }],
    defaultCacheBehavior: {
      targetOriginId: originId,
      viewerProtocolPolicy: 'https-only',
      allowedMethods: ['GET', 'HEAD'],
      cachedMethods: ['GET', 'HEAD'],
      cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
      compress: true,
    },
    priceClass: 'PriceClass_100',
    restrictions: { geoRestriction: { restrictionType: 'none' } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
    tags,
  });
  new aws.s3.BucketPolicy(name('policy'), {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        denyInsecureTransport(bucket),
        {
          Sid: 'ReadThroughTheDistribution',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: pulumi.interpolate`${bucket.arn}/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': distribution.arn } },
        },
      ],
    }),
  });

  if (documents) {
    // Published only where the model's issuer points: a mismatch fails the run before any document is uploaded.
    const checkedDomain = distribution.domainName.apply((domain) => {
      checkIssuerUrl(settings, domain);
      return domain;
    });
    for (const path of OIDC_DOCUMENT_PATHS) {
      new aws.s3.BucketObjectv2(name(path.replaceAll(/[^a-z0-9]+/g, '-').replace(/^-/, '')), {
        bucket: bucket.id,
        key: path,
        content: checkedDomain.apply(() => documents[path]),
        contentType: 'application/json',
        tags,
      });
    }
  } else {
    pulumi.log.warn(
      `OIDC documents not published: ${oidcDocumentsDir(settings)} does not exist yet. Set serviceAccountIssuer of cluster "${settings.cluster.name}" in ${MODEL_FILE} to the serviceAccountIssuer output, then run gen-config and \`pulumi up\` again.`,
    );
  }
  return { bucket, distribution, url: pulumi.interpolate`https://${distribution.domainName}` };
}
