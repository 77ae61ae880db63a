// `npm run e2e` inside `npm test`: builds the proving ground's programs (a failed build fails this test), then has
// Flux reconcile both clusters into a loopback control plane and runs the change scenarios.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';
import { estate } from '../estate/clusters';

function npmRunE2e(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'e2e'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run e2e', () => {
  it('reconciles every cluster and passes every scenario', { timeout: 60 * 60_000 }, async () => {
    const { code, output } = await npmRunE2e();
    console.log(
      output
        .split('\n')
        .filter((l) => /timings|RSS|built|charts|passed|problems/.test(l))
        .join('\n'),
    );
    expect(code, output.slice(-6000)).toBe(0);
    for (const cluster of estate.clusters) expect(output).toContain(`[e2e] ${cluster.name}: passed`);
  });
});
