import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { goTool } from '../../generators/go-tools';
import { ageRecipientOf } from './age-key';

describe('ageRecipientOf', () => {
  const identity = execFileSync(goTool('age-keygen'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const secretLine = identity.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;

  it('gives the recipient that age-keygen prints for the identity', () => {
    expect(ageRecipientOf(identity)).toBe(/# public key: (age1\w+)/.exec(identity)![1]);
    expect(ageRecipientOf(secretLine)).toBe(/# public key: (age1\w+)/.exec(identity)![1]);
  });

  it('rejects a key whose checksum does not match, and finds nothing in a file without a key', () => {
    const last = secretLine.at(-1) === 'Q' ? 'P' : 'Q';
    expect(() => ageRecipientOf(secretLine.slice(0, -1) + last)).toThrow('not a valid bech32 string');
    expect(ageRecipientOf('# public key: age1only\n')).toBeUndefined();
  });
});
