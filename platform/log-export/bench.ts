// npm run bench:log-export: a burst of 100k container-log lines through the real collector (rendered agent config)
// into the loopback S3 server. Prints lines/s until every line is in S3, and the collector's peak memory (RSS).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../../generators/cli/run';
import { estate } from '../../generators/estate/clusters';
import {
  appendCri,
  freePort,
  listKeys,
  logFile,
  metricSum,
  readObject,
  redirect,
  renderedConfig,
  scrapeMetrics,
  startCollector,
  startS3,
  waitFor,
  type Process,
} from './harness';

const LINES = 100_000;
const PODS = 4;
const BUCKET = estate.logArchive.bucket;

function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

runCli(async () => {
  const root = mkdtempSync(join(tmpdir(), 'log-export-bench-'));
  const sandbox = {
    podsDir: join(root, 'var/log/pods'),
    stateDir: join(root, 'state'),
    s3Port: await freePort(),
    metricsPort: await freePort(),
    healthPort: await freePort(),
  };
  let s3: Process | undefined;
  let collector: Process | undefined;
  try {
    s3 = await startS3(join(root, 's3.db'), sandbox.s3Port, BUCKET);
    collector = await startCollector(redirect(renderedConfig('aws'), sandbox), join(root, 'collector.yaml'), sandbox);
    const pid = collector.child.pid!;
    const idle = rssKiB(pid, 'VmRSS');

    const started = performance.now();
    for (let p = 0; p < PODS; p++) {
      const file = logFile(sandbox.podsDir, {
        namespace: `bench-${p % 2}`,
        pod: `load-${p}`,
        uid: `00000000-0000-0000-0000-00000000000${p}`,
        container: 'app',
      });
      const perPod = LINES / PODS;
      for (let start = 0; start < perPod; start += 5_000) {
        appendCri(
          file,
          Array.from({ length: 5_000 }, (_, j) => {
            const i = start + j;
            const time = `2026-03-14T12:00:00.${String(i).padStart(9, '0')}Z`;
            return i % 2 === 0
              ? {
                  time,
                  stream: 'stdout' as const,
                  text: JSON.stringify({
                    level: 'info',
                    msg: 'request served',
                    pod: p,
                    seq: i,
                    path: '/api/orders',
                    ms: i % 250,
                  }),
                }
              : { time, stream: 'stderr' as const, text: `plain log line ${p}-${i} with some ordinary text in it` };
          }),
        );
      }
    }
    const written = performance.now();

    let peak = idle;
    await waitFor(`${LINES} records shipped`, 600_000, async () => {
      peak = Math.max(peak, rssKiB(pid, 'VmRSS'));
      const sent = metricSum(await scrapeMetrics(sandbox.metricsPort), 'otelcol_exporter_sent_log_records_total') ?? 0;
      return sent >= LINES ? sent : undefined;
    });
    const shipped = performance.now();
    const hwm = rssKiB(pid, 'VmHWM');

    const keys = await listKeys(sandbox.s3Port, BUCKET, 'logs/');
    let records = 0;
    for (const key of keys) records += (await readObject(sandbox.s3Port, BUCKET, key)).length;
    if (records < LINES) throw new Error(`only ${records} of ${LINES} lines are in S3`);

    const seconds = (shipped - started) / 1000;
    console.log(
      `log-export bench: ${LINES} lines (${PODS} pods, half JSON) → ${keys.length} gzip NDJSON objects, ${records} records`,
    );
    console.log(
      `  written in ${((written - started) / 1000).toFixed(2)} s; all in S3 after ${seconds.toFixed(2)} s: ${Math.round(LINES / seconds)} lines/s`,
    );
    console.log(
      `  collector RSS: idle ${(idle / 1024).toFixed(0)} MiB, peak ${(Math.max(peak, hwm) / 1024).toFixed(0)} MiB (VmHWM); agent memory limit 512Mi`,
    );
  } finally {
    await collector?.stop();
    await s3?.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
