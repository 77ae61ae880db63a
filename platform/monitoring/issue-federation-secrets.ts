// Issues (or rotates) the federation mTLS material and writes it as SOPS-encrypted Secrets:
//   <source>/monitoring/federate-gateway-tls   server certificate + key, and the CA that signs client certificates
//   <central>/monitoring/federate-client-<source>   client certificate + key, and the CA that signs the server
// Run: npx tsx platform/monitoring/issue-federation-secrets.ts   (then commit the .sops.yaml files)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../generators/cli/run';
import { estate } from '../../generators/clusters';
import { repoRoot } from '../../generators/repo';
import { createSecret } from '../../generators/secrets/secret';
import { issueFederationCertificates } from './federation-certs';
import { GATEWAY_TLS_SECRET, NAMESPACE, TLS_KEYS, clientTlsSecret, sourceEndpoint } from './federation';
import { centralsOf } from './values';

runCli(() => {
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
      console.log(`wrote ${createSecret(repoRoot, estate, { cluster: source.name, namespace: NAMESPACE, name: GATEWAY_TLS_SECRET, entries: entries(certs.server.cert, certs.server.key) })}`);
      for (const central of centrals) {
        const { cert, key } = certs.clients[central]!;
        console.log(`wrote ${createSecret(repoRoot, estate, { cluster: central, namespace: NAMESPACE, name: clientTlsSecret(source.name), entries: entries(cert, key) })}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
