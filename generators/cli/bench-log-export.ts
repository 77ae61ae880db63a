// npm run bench:log-export: the real collector (rendered agent config) into the loopback S3 server, run twice on the
// same binary: BEFORE with the batching of old (every request written at once, one object per request and
// namespace, 4 consumers) and AFTER as rendered. Each run takes a burst of 100k container-log lines, then a trickle.
// Prints, side by side: objects per 100k lines, their size, the p99 delay until a line is in S3, lines/s, peak RSS.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from './run';
import { estate } from '../estate/clusters';
import {
  appendLoad,
  BucketWatch,
  flushMaxAgeMs,
  LOAD_PODS,
  redirect,
  renderedConfig,
  sandboxIn,
  startCollector,
  startS3,
  type Process,
} from '../../platform/log-export/harness.testkit';

const BURST_LINES = 100_000;
const CHUNK = 5_000;
/** The trickle: this many lines per pod each second, for TRICKLE_SECONDS. */
const TRICKLE_PER_SECOND = 5;
const TRICKLE_SECONDS = 30;
const BUCKET = estate.logArchive.bucket;
/** The target: at least this many times fewer objects per 100k lines than before. */
const TARGET_RATIO = 20;

interface Phase {
  lines: number;
  objects: number;
  gzipBytes: number;
  p99DelayS: number;
  seconds: number;
}

interface Run {
  burst: Phase;
  trickle: Phase;
  peakRssMiB: number;
}

function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}

/** Writes lines through `write` (which returns the ids it wrote and when), then waits until all are in S3. */
async function phase(
  watch: BucketWatch,
  lines: number,
  timeoutMs: number,
  write: (written: Map<string, number>) => Promise<void>,
): Promise<Phase> {
  const objectsBefore = new Set(watch.objects.keys());
  const written = new Map<string, number>();
  const started = performance.now();
  const writing = write(written);
  await watch.until(watch.lines.size + lines, timeoutMs);
  await writing;
  const seconds = (performance.now() - started) / 1000;
  const objects = [...watch.objects].filter(([key]) => !objectsBefore.has(key)).map(([, o]) => o);
  const delays = [...written].map(([id, at]) => (watch.lines.get(id)! - at) / 1000);
  const gzipBytes = objects.reduce((sum, o) => sum + o.size, 0);
  return { lines, objects: objects.length, gzipBytes, p99DelayS: p99(delays), seconds };
}

/** The ids `appendLoad(…, from, count)` writes. */
const ids = (from: number, count: number) =>
  Array.from({ length: LOAD_PODS }, (_, p) => Array.from({ length: count }, (_, j) => `${p}-${from + j}`)).flat();

async function run(root: string, label: string, config: Record<string, any>): Promise<Run> {
  const dir = join(root, label);
  mkdirSync(dir);
  const sandbox = await sandboxIn(dir);
  let s3: Process | undefined;
  let collector: Process | undefined;
  try {
    s3 = await startS3(join(dir, 's3.db'), sandbox.s3Port, BUCKET);
    collector = await startCollector(redirect(config, sandbox), join(dir, 'collector.yaml'), sandbox);
    const pid = collector.child.pid!;
    const watch = new BucketWatch(sandbox.s3Port, BUCKET, 'logs/');
    const waitMs = flushMaxAgeMs(config) + 600_000;

    const perPod = BURST_LINES / LOAD_PODS;
    const burst = await phase(watch, BURST_LINES, waitMs, async (written) => {
      for (let from = 0; from < perPod; from += CHUNK) {
        const at = performance.now();
        appendLoad(sandbox.podsDir, from, CHUNK);
        for (const id of ids(from, CHUNK)) written.set(id, at);
      }
    });
    const trickle = await phase(watch, TRICKLE_PER_SECOND * TRICKLE_SECONDS * LOAD_PODS, waitMs, async (written) => {
      for (let s = 0; s < TRICKLE_SECONDS; s++) {
        const from = perPod + s * TRICKLE_PER_SECOND;
        const at = performance.now();
        appendLoad(sandbox.podsDir, from, TRICKLE_PER_SECOND);
        for (const id of ids(from, TRICKLE_PER_SECOND)) written.set(id, at);
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    return { burst, trickle, peakRssMiB: rssKiB(pid, 'VmHWM') / 1024 };
  } finally {
    await collector?.stop();
    await s3?.stop();
  }
}

/** The settings of old: an object is written as soon as it holds a byte, so each request is its own object(s). */
function before(config: Record<string, any>): Record<string, any> {
  const c = structuredClone(config);
  c.exporters.s3ndjson.flush = { ...c.exporters.s3ndjson.flush, max_bytes: 1 };
  c.exporters.s3ndjson.sending_queue.num_consumers = 4;
  return c;
}

runCli(async () => {
  const root = mkdtempSync(join(tmpdir(), 'log-export-bench-'));
  try {
    const after = renderedConfig('aws');
    const runs = { before: await run(root, 'before', before(after)), after: await run(root, 'after', after) };
    const { flush, sending_queue: queue } = after.exporters.s3ndjson;
    const perLines = (p: Phase) => (p.objects * 100_000) / p.lines;
    const rows: [string, (r: Run) => string][] = [
      ['burst: objects per 100k lines', (r) => perLines(r.burst).toFixed(0)],
      ['burst: mean object (gzip)', (r) => `${(r.burst.gzipBytes / r.burst.objects / 1024).toFixed(1)} KiB`],
      ['burst: p99 delay until in S3', (r) => `${r.burst.p99DelayS.toFixed(1)} s`],
      ['burst: lines/s until all in S3', (r) => (r.burst.lines / r.burst.seconds).toFixed(0)],
      [`trickle: objects per 100k lines`, (r) => perLines(r.trickle).toFixed(0)],
      ['trickle: mean object (gzip)', (r) => `${(r.trickle.gzipBytes / r.trickle.objects / 1024).toFixed(1)} KiB`],
      ['trickle: p99 delay until in S3', (r) => `${r.trickle.p99DelayS.toFixed(1)} s`],
      ['collector peak RSS (VmHWM)', (r) => `${r.peakRssMiB.toFixed(0)} MiB`],
    ];
    console.log(
      `log-export bench: burst of ${BURST_LINES} lines (${LOAD_PODS} pods, 2 namespaces, half JSON), ` +
        `then a trickle of ${TRICKLE_PER_SECOND} lines/s per pod for ${TRICKLE_SECONDS} s; ` +
        'one collector binary, two configs',
    );
    console.log(`  before: every request written at once, 4 queue consumers`);
    console.log(
      `  after:  flush.max_age ${flush.max_age}, flush.max_bytes ${flush.max_bytes}, ` +
        `${queue.num_consumers} queue consumers (rendered)`,
    );
    const line = (name: string, before: string, after: string) =>
      `  ${name.padEnd(34)}${before.padStart(14)}${after.padStart(14)}`;
    console.log(line('', 'before', 'after'));
    for (const [name, cell] of rows) console.log(line(name, cell(runs.before), cell(runs.after)));
    const ratio = perLines(runs.before.burst) / perLines(runs.after.burst);
    const met = ratio >= TARGET_RATIO;
    const verdict = `target ≥ ${TARGET_RATIO}×: ${met ? 'met' : 'NOT met'}`;
    console.log(
      `  burst objects: ${ratio.toFixed(1)}× fewer (${verdict}); ` +
        `delay bound: flush.max_age + filelog poll 1 s + one upload`,
    );
    if (!met) throw new Error(`objects per 100k lines fell only ${ratio.toFixed(1)}×, target ${TARGET_RATIO}×`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
