// Loopback load on the real binary and Debian's PostgreSQL: `npm run bench:task-tracker` prints requests/s and
// latency percentiles. Bounded: at most REQUESTS requests and DEADLINE_MS of load, CONCURRENCY connections, 127.0.0.1.
import { Agent, request } from 'node:http';
import { ready, startTaskTracker } from '../../apps/task-tracker/launch';
import { startScratchPostgres } from '../local-postgres';

const REQUESTS = 50_000;
const DEADLINE_MS = 20_000;
const CONCURRENCY = 16;
/** One request in this many creates a task; the others read one back. */
const CREATE_EVERY = 10;

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const headers: Record<string, string> = {};

function call(base: string, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, agent, headers: body ? { ...headers, 'content-type': 'application/json' } : headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// Logging at info, as in the clusters: one JSON line per request is part of the cost measured.
const pg = await startScratchPostgres('bench-task-tracker-pg-');
const tt = await startTaskTracker({
  DATABASE_URL: pg.url,
  MAX_TASKS: String(REQUESTS),
  WORKER_PROCESSING_TIME: '1ms',
  WORKER_FAILURE_RATIO: '0',
  // The limit is the Gateway's job in the clusters; the benchmark measures the service, not the limiter's refusals.
  RATE_LIMIT_PER_MINUTE: '100000',
});
Object.assign(headers, tt.auth);
try {
  await ready(tt);
  await call(tt.api, 'POST', '/tasks', '{"title":"seed"}');
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let created = 1;
  const started = performance.now();
  const worker = async () => {
    while (next < REQUESTS && performance.now() - started < DEADLINE_MS) {
      const i = next++;
      const t0 = performance.now();
      const status =
        i % CREATE_EVERY === 0
          ? await call(tt.api, 'POST', '/tasks', `{"title":"bench ${i}"}`)
          : await call(tt.api, 'GET', `/tasks/${(i % created) + 1}`);
      latencies.push(performance.now() - t0);
      if (status === 201) created++;
      else if (status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  console.log(
    `task-tracker loopback load: ${latencies.length} requests (1 in ${CREATE_EVERY} POST /tasks, the rest GET /tasks/{id}), ${CONCURRENCY} connections`,
  );
  console.log(`  throughput  ${(latencies.length / seconds).toFixed(0)} requests/s over ${seconds.toFixed(2)} s`);
  console.log(
    `  latency     p50 ${ms(percentile(latencies, 50))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(latencies.at(-1)!)}`,
  );
  console.log(`  failures    ${failures}`);
  if (failures > 0) process.exitCode = 1;
} finally {
  agent.destroy();
  tt.process.kill('SIGTERM');
  await tt.exited;
  await pg.stop();
}
