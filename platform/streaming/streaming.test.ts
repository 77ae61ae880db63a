// The Maven builds carry the Kafka version generators/versions.ts pins (Renovate updates only that pin).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';

function kafkaVersionOf(pom: string): string | undefined {
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'))?.[1];
}

describe('streaming builds', () => {
  for (const [pom, pin] of [
    ['broker/pom.xml', 'kafkaBroker'],
    ['job/pom.xml', 'kafka'],
  ] as const)
    it(`platform/streaming/${pom} builds against versions.${pin}`, () => {
      expect(kafkaVersionOf(join(repoRoot, 'platform', 'streaming', pom))).toBe(versions[pin]);
    });

  it('a pom without the property is noticed', () => {
    expect(kafkaVersionOf(join(repoRoot, 'package.json'))).toBeUndefined();
  });
});
