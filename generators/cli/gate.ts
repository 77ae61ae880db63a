// `npm run gate [-- --no-cache] [-- --timings]`: the local PR gate (render:check, validate, policy) in one process, so
// node, tsx and the catalogue's imports are paid once instead of three times. Each stage prints what its own script
// prints; the first stage that fails stops the gate with its exit code, as the three scripts chained with && do
// (validating a stale tree would report problems of output that is about to change).
import { performance } from 'node:perf_hooks';
import { policy, renderCheck, validate, validateFlags } from './gate-stages';
import { errorMessage, runCli } from './run';

const STAGES: [script: string, run: () => number | Promise<number>][] = [
  ['render:check', renderCheck],
  ['validate', () => validate(validateFlags(process.argv))],
  ['policy', policy],
];

runCli(async () => {
  const startUp = process.uptime();
  const walls: string[] = [];
  for (const [script, run] of STAGES) {
    const started = performance.now();
    let code: number;
    try {
      code = await run();
    } catch (error) {
      // What runCli prints for the stage's own script.
      console.error(errorMessage(error));
      code = 1;
    }
    walls.push(`${script} ${((performance.now() - started) / 1000).toFixed(2)} s`);
    if (code !== 0) {
      console.error(`gate: ${script} failed; \`npm run ${script}\` reproduces it`);
      process.exitCode = code;
      return;
    }
  }
  const total = process.uptime().toFixed(2);
  console.log(`gate passed: ${walls.join(', ')}; ${total} s in all, ${startUp.toFixed(2)} s of it start-up`);
});
