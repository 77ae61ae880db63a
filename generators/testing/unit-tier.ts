// Setup file of the unit tier (vitest.config.ts): a unit test runs TypeScript only. Starting a process (a Go build, a
// real binary, git) or a worker thread (kubeconform's wasm) fails the test with the way out, so the split cannot rot.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

function refuse(what: string): never {
  throw new Error(
    `unit tier: this test starts ${what}. A test that builds a Go tool or runs a binary belongs to the integration ` +
      'tier: add its file to INTEGRATION in vitest.config.ts.',
  );
}

const spawners = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
for (const name of spawners) {
  const refused = (command: unknown) => refuse(`\`${String(command)}\` (child_process.${name})`);
  Object.assign(childProcess, { [name]: refused });
}
Object.assign(workerThreads, {
  Worker: class {
    constructor(script: unknown) {
      refuse(`a worker thread (${String(script)})`);
    }
  },
});
// Named ESM imports of node builtins are live copies of the CommonJS exports only after this call.
syncBuiltinESMExports();
