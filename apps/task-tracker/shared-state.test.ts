// Several real task-tracker processes against one real PostgreSQL (Debian's server) behave as one service: what one
// replica writes, every other reads, changes and deletes; restarts of each replica and of the database lose nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { initdb, serverDir, startPostgres, type RunningPostgres } from '../../generators/local-postgres';
import { freePort } from '../../generators/ports';
import { ready, sample, startTaskTracker, type RunningTaskTracker } from './launch';

const ENV = {
  WORKER_POLL_INTERVAL: '20ms',
  WORKER_PROCESSING_TIME: '5ms',
  WORKER_FAILURE_RATIO: '0',
  DB_CHECK_INTERVAL: '100ms',
  DB_CONNECT_TIMEOUT: '1s',
  DB_QUERY_TIMEOUT: '2s',
};
const running: RunningTaskTracker[] = [];
let pg: RunningPostgres | undefined;
afterAll(async () => {
  for (const tt of running) if (tt.process.exitCode === null && tt.process.signalCode === null) tt.process.kill();
  await pg?.stop();
});

async function replica(url: string): Promise<RunningTaskTracker> {
  const tt = await startTaskTracker({ ...ENV, DATABASE_URL: url });
  running.push(tt);
  return ready(tt);
}

interface Task {
  id: string;
  title: string;
  description: string;
  status: string;
}

async function call(tt: RunningTaskTracker, method: string, path: string, body?: object) {
  const response = await fetch(`${tt.api}${path}`, {
    method,
    headers: body ? { ...tt.auth, 'content-type': 'application/json' } : tt.auth,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

const titles = async (tt: RunningTaskTracker) =>
  ((await call(tt, 'GET', '/tasks')).body.tasks as Task[]).map((t) => t.title);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function restart(tt: RunningTaskTracker, url: string): Promise<RunningTaskTracker> {
  tt.process.kill('SIGTERM');
  expect((await tt.exited).code).toBe(0);
  return replica(url);
}

describe('task-tracker replicas on one PostgreSQL', () => {
  it('create on one, read, update and delete on others, and every restart keeps the state', async () => {
    const dataDir = serverDir('shared-state-pg-');
    initdb(dataDir);
    const port = await freePort();
    pg = await startPostgres(dataDir, port);
    // Three processes start at once against an empty database: the migration runs exactly once.
    let [a, b, c] = await Promise.all([replica(pg.url), replica(pg.url), replica(pg.url)]);

    const created = await call(a!, 'POST', '/tasks', { title: 'write report', description: 'v1' });
    expect(created.status).toBe(201);
    const id = (created.body as Task).id;
    expect((await call(b!, 'GET', `/tasks/${id}`)).body).toMatchObject({ id, title: 'write report' });
    const updated = await call(c!, 'PUT', `/tasks/${id}`, { title: 'write the report', description: 'by Friday' });
    expect(updated.status).toBe(200);
    expect((await call(a!, 'GET', `/tasks/${id}`)).body).toMatchObject({ title: 'write the report' });
    expect((await call(b!, 'DELETE', `/tasks/${id}`)).status).toBe(204);
    for (const tt of [a!, b!, c!]) expect((await call(tt, 'GET', `/tasks/${id}`)).status).toBe(404);

    const processed = async (tt: RunningTaskTracker) =>
      sample(await (await fetch(`${tt.metrics}/metrics`)).text(), 'task_tracker_tasks_processed_total{outcome="done"}');
    const processedBefore = (await Promise.all([a!, b!, c!].map(processed))).reduce((x, y) => x + y, 0);
    // Creates spread over the replicas; the workers of all three process each task exactly once.
    for (let i = 0; i < 30; i++)
      expect((await call([a!, b!, c!][i % 3]!, 'POST', '/tasks', { title: `t${i}` })).status).toBe(201);
    const expected = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (const tt of [a!, b!, c!]) expect(await titles(tt)).toEqual(expected);
    await until('every task done', async () => {
      const done = (await call(a!, 'GET', '/tasks?status=done')).body.tasks as Task[];
      return done.length === 30 ? true : undefined;
    });
    const counts = await Promise.all([a!, b!, c!].map(processed));
    expect(counts.reduce((x, y) => x + y, 0) - processedBefore).toBe(30);

    // A restart of each replica in turn: the others keep serving, the new process sees every task.
    a = await restart(a!, pg.url);
    expect(await titles(b!)).toEqual(expected);
    b = await restart(b!, pg.url);
    c = await restart(c!, pg.url);
    for (const tt of [a, b, c]) expect(await titles(tt)).toEqual(expected);
    expect((await call(c, 'POST', '/tasks', { title: 'after restarts' })).status).toBe(201);
    expect((await titles(a)).at(-1)).toBe('after restarts');

    // The database goes away: readiness fails, the metric says so, requests get 503; it comes back: all recover.
    await pg.stop();
    for (const tt of [a, b, c]) {
      await until('not ready', async () => ((await fetch(`${tt.api}/readyz`)).status === 503 ? true : undefined));
      const metrics = await (await fetch(`${tt.metrics}/metrics`)).text();
      expect(sample(metrics, 'task_tracker_database_up')).toBe(0);
      expect(sample(metrics, 'task_tracker_database_primary')).toBe(0);
      expect((await call(tt, 'GET', '/tasks')).status).toBe(503);
      expect((await fetch(`${tt.api}/healthz`)).status).toBe(200);
    }
    expect(a.logs.join('\n')).toMatch(/"msg":"database check failed: not ready","state":"unreachable"/);
    pg = await startPostgres(dataDir, port);
    for (const tt of [a, b, c]) {
      await ready(tt);
      expect(sample(await (await fetch(`${tt.metrics}/metrics`)).text(), 'task_tracker_database_up')).toBe(1);
      expect(await titles(tt)).toEqual([...expected, 'after restarts']);
    }
  });
});
