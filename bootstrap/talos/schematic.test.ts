// The Image Factory schematic of the AWS nodes: its ID computed as the factory computes it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { versions } from '../../generators/versions';
import {
  AWS_EXTENSIONS,
  AWS_SCHEMATIC_ID,
  awsAmiName,
  awsDiskImage,
  installImage,
  schematicId,
  schematicText,
} from './schematic';

const createHashHex = (text: string) => createHash('sha256').update(text).digest('hex');
const byProvider = (provider: string) => estate.clusters.find((c) => c.provider === provider)!;

describe('Image Factory schematics', () => {
  it('have the IDs the factory gives the schematics of its documentation (siderolabs/docs, Talos v1.12)', () => {
    // The default schematic, and boot-assets.mdx's bare-metal example with two extensions; a kernel argument is not
    // a field schematicText writes, so that example is checked through its text.
    expect(schematicId([])).toBe('376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba');
    const bareMetal = schematicText(['siderolabs/gvisor', 'siderolabs/intel-ucode']).replace(
      'customization:\n',
      'customization:\n    extraKernelArgs:\n        - net.ifnames=0\n',
    );
    expect(createHashHex(bareMetal)).toBe('b8e8fbbe1b520989e6c52c8dc8303070cb42095997e76e812fa8892393e1d176');
    expect(schematicId(['siderolabs/gvisor'])).not.toBe(schematicId(['siderolabs/intel-ucode']));
  });

  it('give the AWS nodes the ECR credential provider, in the AMI, the installer and the upgrades', () => {
    expect(AWS_EXTENSIONS).toEqual(['siderolabs/ecr-credential-provider']);
    expect(AWS_SCHEMATIC_ID).toBe('10e276a06c1f86b182757a962258ac00655d3425e5957f617bdc82f06894e39b');
    expect(installImage(byProvider('aws'))).toBe(
      `factory.talos.dev/aws-installer/${AWS_SCHEMATIC_ID}:v${versions.talos}`,
    );
    expect(awsDiskImage('arm64')).toBe(
      `https://factory.talos.dev/image/${AWS_SCHEMATIC_ID}/v${versions.talos}/aws-arm64.raw.xz`,
    );
    expect(awsAmiName('amd64')).toBe(`talos-v${versions.talos}-10e276a06c1f-amd64`);
  });

  it('leave the on-prem nodes on the vanilla installer', () => {
    expect(installImage(byProvider('metal'))).toBe(`ghcr.io/siderolabs/installer:v${versions.talos}`);
  });
});
