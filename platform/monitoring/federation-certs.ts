// Issues the federation mTLS material with openssl: one CA, the source gateway's server certificate, and a client
// certificate per central cluster. The CA key never leaves the temporary folder it is created in.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientCommonName } from './federation';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface FederationCertificates {
  /** The CA certificate both ends trust. */
  ca: string;
  server: KeyPair;
  /** By central cluster name. */
  clients: Record<string, KeyPair>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, extensions: string, days: number): KeyPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      pair.key,
      '-subj',
      subject,
      '-out',
      `${name}.csr`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      String(days),
      '-extfile',
      `${name}.ext`,
      '-out',
      pair.cert,
    ],
    dir,
  );
  return pair;
}

/** Writes the certificates into `dir` (which must exist and be private) and returns their paths. */
export function issueFederationCertificates(
  dir: string,
  serverName: string,
  centrals: string[],
  days = 365,
): FederationCertificates {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      '/CN=federation-ca',
      '-days',
      String(days),
    ],
    dir,
  );
  const server = issue(
    dir,
    'server',
    `/CN=${serverName}`,
    `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`,
    days,
  );
  const clients = Object.fromEntries(
    centrals.map((c) => [
      c,
      issue(dir, `client-${c}`, `/CN=${clientCommonName(c)}`, 'extendedKeyUsage=clientAuth\n', days),
    ]),
  );
  return { ca: join(dir, 'ca.crt'), server, clients };
}
