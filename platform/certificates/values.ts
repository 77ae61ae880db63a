// What the cluster model sets for cert-manager on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import type { Cluster } from '../../generators/model';
import type { Shape } from '../../generators/shape';

export interface CertificatesValues {
  /** aws clusters: the ACME account's contact address, which Let's Encrypt mails about expiring certificates. */
  acmeEmail?: string;
}

export const CERTIFICATES_KEYS: Shape = { acmeEmail: true };

const EMAIL = /^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$/;

export function validateCertificates(values: CertificatesValues, cluster: Cluster): Problem[] {
  if (cluster.provider === 'aws') {
    return typeof values.acmeEmail === 'string' && EMAIL.test(values.acmeEmail)
      ? []
      : [
          {
            field: 'acmeEmail',
            message: `must be an e-mail address for the ACME account, got ${JSON.stringify(values.acmeEmail)}`,
          },
        ];
  }
  return values.acmeEmail === undefined
    ? []
    : [{ field: 'acmeEmail', message: 'is for aws clusters; a metal cluster issues from its internal CA, not ACME' }];
}
