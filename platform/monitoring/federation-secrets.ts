// Issues (or rotates) the federation mTLS material and writes it as SOPS-encrypted Secrets:
//   <source>/monitoring/federate-gateway-tls   server certificate + key, and the CA that signs client certificates
//   <central>/monitoring/federate-client-<source>   client certificate + key, and the CA that signs the server
// Run: npm run federation-secrets   (then commit the .sops.yaml files)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalogue } from '../../generators/component';
import type { Estate } from '../../generators/model';
import { createSecret } from '../../generators/secrets/secret';
import { issueFederationCertificates } from './federation-certs';
import { NAMESPACE } from './api';
import { GATEWAY_TLS_SECRET, TLS_KEYS, clientTlsSecret, sourceEndpoint } from './federation';
import { centralsOf } from './values';

/** Writes the Secrets for every source cluster and its centrals; returns the files written. */
export function issueFederationSecrets(root: string, estate: Estate, catalogue: Catalogue): string[] {
  const written: string[] = [];
  for (const source of estate.clusters) {
    const endpoint = sourceEndpoint(source);
    if (!endpoint) continue;
    const centrals = centralsOf(estate, source.name).map((c) => c.name);
    const dir = mkdtempSync(join(tmpdir(), 'federation-certs-'));
    try {
      const certs = issueFederationCertificates(dir, endpoint.hostname, centrals);
      const entries = (cert: string, key: string) =>
        new Map([
          [TLS_KEYS.cert, readFileSync(cert)],
          [TLS_KEYS.key, readFileSync(key)],
          [TLS_KEYS.ca, readFileSync(certs.ca)],
        ]);
      const server = {
        cluster: source.name,
        namespace: NAMESPACE,
        name: GATEWAY_TLS_SECRET,
        entries: entries(certs.server.cert, certs.server.key),
      };
      written.push(createSecret(root, estate, server, catalogue));
      for (const central of centrals) {
        const { cert, key } = certs.clients[central]!;
        const client = {
          cluster: central,
          namespace: NAMESPACE,
          name: clientTlsSecret(source.name),
          entries: entries(cert, key),
        };
        written.push(createSecret(root, estate, client, catalogue));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return written;
}
