// Which OIDC documents the program publishes, and when it refuses to: before gen-config, with documents of another
// issuer, and with a distribution that is not the model's issuer.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { AwsCluster } from '../../generators/model';
import { OIDC_DOCUMENT_PATHS } from '../../generators/irsa';
import { loadSettings, readStackConfig } from './config';
import { MACHINE_CONFIGS, stackFileConfig } from './mocks';
import { checkIssuerUrl, readOidcDocuments } from './oidc-issuer';

const cluster = estate.clusters.find((c): c is AwsCluster => c.provider === 'aws')!;
const issuer = cluster.serviceAccountIssuer;

function settingsWith(documents: Record<string, string>, machineConfigs = false) {
  const outDir = mkdtempSync(join(tmpdir(), 'talos-out-'));
  for (const [path, content] of Object.entries(documents)) {
    mkdirSync(dirname(join(outDir, 'oidc', path)), { recursive: true });
    writeFileSync(join(outDir, 'oidc', path), content);
  }
  const raw = {
    ...readStackConfig(stackFileConfig('aws')),
    talosOutDir: outDir,
    ...(machineConfigs ? MACHINE_CONFIGS : {}),
  };
  return { settings: loadSettings('aws', 'eu-central-1', raw, estate), outDir };
}

const discovery = (iss: string) => JSON.stringify({ issuer: iss, jwks_uri: `${iss}/openid/v1/jwks` });
const jwks = JSON.stringify({ keys: [] });

describe('readOidcDocuments', () => {
  it('returns nothing on the first run, before gen-config has written any document', () => {
    expect(readOidcDocuments(settingsWith({}).settings)).toBeUndefined();
  });

  it('returns both documents by their path under the issuer', () => {
    const { settings } = settingsWith({ [OIDC_DOCUMENT_PATHS[0]]: discovery(issuer), [OIDC_DOCUMENT_PATHS[1]]: jwks });
    expect(readOidcDocuments(settings)).toEqual({
      '.well-known/openid-configuration': discovery(issuer),
      'openid/v1/jwks': jwks,
    });
  });

  it('refuses machine configs without the documents: their tokens could not be verified', () => {
    const { settings, outDir } = settingsWith({}, true);
    expect(() => readOidcDocuments(settings)).toThrow(`${join(outDir, 'oidc', OIDC_DOCUMENT_PATHS[0])} is missing`);
  });

  it('refuses a half-written folder', () => {
    const { settings, outDir } = settingsWith({ [OIDC_DOCUMENT_PATHS[0]]: discovery(issuer) });
    expect(() => readOidcDocuments(settings)).toThrow(`${join(outDir, 'oidc', OIDC_DOCUMENT_PATHS[1])} is missing`);
  });

  it('refuses documents generated for another issuer, naming the file and the field', () => {
    const { settings, outDir } = settingsWith({
      [OIDC_DOCUMENT_PATHS[0]]: discovery('https://old.cloudfront.net'),
      [OIDC_DOCUMENT_PATHS[1]]: jwks,
    });
    expect(() => readOidcDocuments(settings)).toThrow(
      `${join(outDir, 'oidc', OIDC_DOCUMENT_PATHS[0])}: field issuer "https://old.cloudfront.net" is not cluster "aws" serviceAccountIssuer ${issuer} of generators/estate/clusters.ts`,
    );
  });
});

describe('checkIssuerUrl', () => {
  const { settings } = settingsWith({});

  it("accepts the distribution that is the model's issuer", () => {
    expect(() => checkIssuerUrl(settings, new URL(issuer).host)).not.toThrow();
  });

  it('names the model field and the URL to put there when they differ', () => {
    expect(() => checkIssuerUrl(settings, 'd222222abcdef8.cloudfront.net')).toThrow(
      `generators/estate/clusters.ts: cluster "aws" serviceAccountIssuer ${issuer} is not the distribution that publishes it (https://d222222abcdef8.cloudfront.net)`,
    );
  });
});
