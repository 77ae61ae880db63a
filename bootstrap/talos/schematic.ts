// The Talos image of each provider. On AWS it is an Image Factory schematic with Sidero's ecr-credential-provider
// system extension, which installs the binary at /usr/local/lib/kubelet/credentialproviders (siderolabs/extensions
// v1.12.6 container-runtime/ecr-credential-provider/pkg.yaml), the folder Talos gives kubelet as
// image-credential-provider-bin-dir once the machine config sets machine.kubelet.credentialProviderConfig
// (siderolabs/talos v1.12.6 internal/app/machined/pkg/controllers/k8s/kubelet_spec.go, constants.go). An extension is
// part of the boot image: Sidero's public AMIs carry none, so the AWS nodes boot an AMI imported from the schematic's
// disk image (bootstrap/README.md), and upgrades install the schematic's installer, which keeps the extension.
import { createHash } from 'node:crypto';
import type { Cluster } from '../../generators/model';
import { versions } from '../../generators/versions';

export const FACTORY = 'factory.talos.dev';
/** The extensions of the AWS image: kubelet authenticates its pulls from this account's ECR with the instance role. */
export const AWS_EXTENSIONS = ['siderolabs/ecr-credential-provider'];

/**
 * The schematic as Image Factory stores it: its ID is the sha256 of this text, gopkg.in/yaml.v3's marshalling of the
 * schematic (siderolabs/image-factory pkg/schematic/schematic.go, `ID`), which indents by four spaces.
 */
export function schematicText(extensions: readonly string[]): string {
  if (!extensions.length) return 'customization: {}\n';
  const items = extensions.map((e) => `            - ${e}\n`).join('');
  return `customization:\n    systemExtensions:\n        officialExtensions:\n${items}`;
}

export const schematicId = (extensions: readonly string[]): string =>
  createHash('sha256').update(schematicText(extensions)).digest('hex');

export const AWS_SCHEMATIC_ID = schematicId(AWS_EXTENSIONS);

/** The installer in the machine configs and what `upgrade` moves nodes to: the factory's AWS installer on AWS. */
export function installImage(cluster: Cluster): string {
  return cluster.provider === 'aws'
    ? `${FACTORY}/aws-installer/${AWS_SCHEMATIC_ID}:v${versions.talos}`
    : `ghcr.io/siderolabs/installer:v${versions.talos}`;
}

/** The disk image that the AWS AMI is imported from. */
export const awsDiskImage = (arch: 'amd64' | 'arm64'): string =>
  `https://${FACTORY}/image/${AWS_SCHEMATIC_ID}/v${versions.talos}/aws-${arch}.raw.xz`;

/** The name the imported AMI gets and bootstrap/aws looks up: the Talos version, the schematic and the arch. */
export const awsAmiName = (arch: 'amd64' | 'arm64'): string =>
  `talos-v${versions.talos}-${AWS_SCHEMATIC_ID.slice(0, 12)}-${arch}`;
