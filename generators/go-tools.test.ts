// buildGoTool says what it builds and how long it took, once per build, so a cold run never looks stuck.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildGoTool, CORE_GO_TOOLS, type GoTool } from './go-tools';
import { repoRoot } from './repo';

// A variant nobody else builds (its own cache key), so this test always sees a real build.
const FRESH: GoTool = { ...CORE_GO_TOOLS['age-keygen'], ldflags: '-X main.progressLineTest=1' };

function stderrOf(run: () => unknown): string {
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    run();
  } catch {
    // The caller asserts the error separately.
  }
  const text = write.mock.calls.map(([chunk]) => String(chunk)).join('');
  write.mockRestore();
  return text;
}

describe('buildGoTool', () => {
  let built = '';
  afterAll(() => {
    if (built) rmSync(dirname(built), { recursive: true, force: true });
    const cache = join(repoRoot, '.cache', 'go-tools');
    const failed = readdirSync(cache).filter((d) => d.startsWith('no-such-tool-'));
    for (const dir of failed) rmSync(join(cache, dir), { recursive: true });
  });

  it('prints one progress line per build with its duration, and nothing when the tool is cached', () => {
    const progress = /^building age-keygen from generators\/secrets\/tools … done in \d+\.\d s\n$/;
    expect(stderrOf(() => (built = buildGoTool(FRESH)))).toMatch(progress);
    expect(stderrOf(() => buildGoTool(FRESH))).toBe('');
  });

  it('ends the line with the failure, and names the tool and the command to rerun', () => {
    const broken: GoTool = { ...FRESH, name: 'no-such-tool', pkg: 'filippo.io/age/cmd/no-such-command' };
    const progress = /^building no-such-tool from generators\/secrets\/tools … failed after \d+\.\d s\n$/;
    expect(stderrOf(() => buildGoTool(broken))).toMatch(progress);
    const rerun = 'run `go build filippo.io/age/cmd/no-such-command` in generators/secrets/tools';
    expect(() => buildGoTool(broken)).toThrow(`building Go tool no-such-tool from generators/secrets/tools`);
    expect(() => buildGoTool(broken)).toThrow(rerun);
  });
});
