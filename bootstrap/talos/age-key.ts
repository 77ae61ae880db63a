// The public key (recipient) of an age identity, computed here so a wrong key file is caught before anything runs.
import { createPrivateKey, createPublicKey } from 'node:crypto';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) checksum ^= g;
    });
  }
  return checksum;
}

const expandHrp = (hrp: string) => [
  ...[...hrp].map((c) => c.charCodeAt(0) >>> 5),
  0,
  ...[...hrp].map((c) => c.charCodeAt(0) & 31),
];

function convertBits(data: number[], from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & ((1 << to) - 1));
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & ((1 << to) - 1));
  return out;
}

function bech32Decode(text: string): { hrp: string; bytes: Buffer } {
  const lower = text.toLowerCase();
  const separator = lower.lastIndexOf('1');
  const hrp = lower.slice(0, separator);
  const data = [...lower.slice(separator + 1)].map((c) => CHARSET.indexOf(c));
  if (separator < 1 || data.length < 6 || data.includes(-1) || polymod([...expandHrp(hrp), ...data]) !== 1) {
    throw new Error('not a valid bech32 string');
  }
  return { hrp, bytes: Buffer.from(convertBits(data.slice(0, -6), 5, 8, false)) };
}

function bech32Encode(hrp: string, bytes: Buffer): string {
  const data = convertBits([...bytes], 8, 5, true);
  const mod = polymod([...expandHrp(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data, ...checksum].map((d) => CHARSET[d]).join('')}`;
}

/** PKCS#8 header of a raw X25519 private key. */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The `age1…` recipient of the first `AGE-SECRET-KEY-1…` line of an identity file, or undefined when there is none. */
export function ageRecipientOf(identityFile: string): string | undefined {
  const line = identityFile.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (!line) return undefined;
  const { hrp, bytes } = bech32Decode(line.trim());
  if (hrp !== 'age-secret-key-' || bytes.length !== 32) throw new Error('not an age X25519 identity');
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, bytes]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return bech32Encode('age', publicKey.subarray(publicKey.length - 32));
}
