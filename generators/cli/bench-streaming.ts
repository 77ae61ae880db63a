// Loopback streaming benchmark on the real pieces: `npm run bench:streaming` prints events/s from the task API to
// task-aggregates, and the aggregate latency (the last event acknowledged by Kafka → the aggregates counting it).
// Bounded: TASKS tasks at most, CONCURRENCY requests in flight, DEADLINE_MS of load, 127.0.0.1 only.
import { ready, sample, startTaskTracker } from '../../apps/task-tracker/launch';
import { startScratchPostgres } from '../local-postgres';
import { createTopic, readTopic, startBroker, startStreamJob } from '../../platform/streaming/kafka.testkit';

const TASKS = 3000;
const CONCURRENCY = 16;
const DEADLINE_MS = 30_000;
const EVENTS_PER_TASK = 3; // created, started, done or failed

async function counted(bootstrap: Parameters<typeof readTopic>[0]): Promise<number> {
  const last = new Map<string, number>();
  for (const [key, value] of await readTopic(bootstrap, 'task-aggregates', 1000))
    last.set(key, (JSON.parse(value) as { count: number }).count);
  return [...last.values()].reduce((a, b) => a + b, 0);
}

const pg = await startScratchPostgres('bench-streaming-pg-');
const broker = await startBroker();
const stops: (() => Promise<unknown>)[] = [() => broker.stop(), () => pg.stop()];
try {
  await createTopic(broker, 'task-events', 3);
  await createTopic(broker, 'task-aggregates', 1, ['cleanup.policy=compact']);
  const tt = await startTaskTracker({
    DATABASE_URL: pg.url,
    TASK_EVENTS_BROKERS: broker.bootstrap,
    MAX_TASKS: String(TASKS),
    WORKER_CONCURRENCY: '8',
    WORKER_PROCESSING_TIME: '1ms',
    WORKER_POLL_INTERVAL: '5ms',
    LOG_LEVEL: 'info',
  });
  stops.unshift(async () => (tt.process.kill('SIGTERM'), await tt.exited));
  await ready(tt);
  const job = await startStreamJob(broker, 'bench');
  stops.unshift(() => job.stop());
  const baselineStart = Date.now();
  await counted(broker);
  const readCost = Date.now() - baselineStart;

  const began = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < TASKS && Date.now() - began < DEADLINE_MS) {
      next++;
      const res = await fetch(`${tt.api}/tasks`, {
        method: 'POST',
        headers: { ...tt.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'bench' }),
      });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const events = next * EVENTS_PER_TASK;
  let acknowledged = 0;
  while (Date.now() - began < 4 * DEADLINE_MS) {
    const text = await (await fetch(`${tt.metrics}/metrics`)).text();
    const dropped = ['buffer_full', 'delivery_failed'].reduce(
      (n, r) => n + sample(text, `task_tracker_events_dropped_total{reason="${r}"}`),
      0,
    );
    if (dropped > 0) throw new Error(`${dropped} events dropped: the benchmark measures a healthy broker`);
    if (sample(text, 'task_tracker_events_published_total') === events) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  acknowledged = Date.now();
  while ((await counted(broker)) < events) {
    if (Date.now() - began > 6 * DEADLINE_MS) throw new Error('the aggregates did not catch up within 180 s');
  }
  const done = Date.now();
  console.log(`streaming: ${next} tasks, ${events} events, API → Kafka → Kafka Streams → task-aggregates`);
  console.log(`  end to end          ${((events * 1000) / (done - began)).toFixed(0)} events/s (${done - began} ms)`);
  console.log(`  aggregate latency   ≤ ${done - acknowledged} ms after the last event was acknowledged`);
  console.log(`  baseline            ${readCost} ms: one read of task-aggregates by the console consumer, which the`);
  console.log('                      latency includes (a JVM start); commit interval 200 ms');
} finally {
  for (const stop of stops) await stop();
}
