// End to end: the real binary, built with its version stamp, on loopback ports.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../generators/ports';
import { initdb, psql, serverDir, startPostgres, type RunningPostgres } from '../../generators/local-postgres';
import { versions } from '../../generators/versions';
import { ready, sample, startTaskTracker, type RunningTaskTracker } from './launch';

const FAST_WORKER = { WORKER_POLL_INTERVAL: '20ms', WORKER_PROCESSING_TIME: '5ms', WORKER_FAILURE_RATIO: '0' };
const running: RunningTaskTracker[] = [];

// One real PostgreSQL for the file, and a fresh database for each test.
let pg: RunningPostgres;
let database = '';
beforeAll(async () => {
  const dataDir = serverDir('service-pg-');
  initdb(dataDir);
  pg = await startPostgres(dataDir, await freePort());
});
afterAll(() => pg?.stop());
let databases = 0;
beforeEach(() => {
  database = `service_${++databases}`;
  psql(pg, `CREATE DATABASE ${database}`);
});

async function start(env: Record<string, string> = {}): Promise<RunningTaskTracker> {
  const url = pg.url.replace('/postgres?', `/${database}?`);
  const tt = await startTaskTracker({ ...FAST_WORKER, DATABASE_URL: url, ...env });
  running.push(tt);
  return ready(tt);
}

afterEach(() => {
  for (const tt of running.splice(0))
    if (tt.process.exitCode === null && tt.process.signalCode === null) tt.process.kill('SIGKILL');
});

const scrape = async (tt: RunningTaskTracker) => (await fetch(`${tt.metrics}/metrics`)).text();

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const postTask = (tt: RunningTaskTracker, title: string) =>
  fetch(`${tt.api}/tasks`, {
    method: 'POST',
    headers: { ...tt.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });

describe('task-tracker binary', () => {
  it('serves the task API and counts requests and processed tasks by route template', async () => {
    const tt = await start();
    const created = `task_tracker_http_requests_total{code="201",method="POST",route="/tasks"}`;
    const listed = `task_tracker_http_requests_total{code="200",method="GET",route="/tasks"}`;
    const fetched = `task_tracker_http_requests_total{code="200",method="GET",route="/tasks/{id}"}`;
    const done = `task_tracker_tasks_processed_total{outcome="done"}`;
    const before = await scrape(tt);
    expect(sample(before, done)).toBe(0);

    for (const title of ['first', 'second', 'third']) expect((await postTask(tt, title)).status).toBe(201);
    const list = (await (await fetch(`${tt.api}/tasks`, { headers: tt.auth })).json()) as {
      tasks: { id: string; title: string }[];
    };
    expect(list.tasks.map((t) => t.title)).toEqual(['first', 'second', 'third']);
    expect((await fetch(`${tt.api}/tasks/2`, { headers: tt.auth })).status).toBe(200);
    expect((await fetch(`${tt.api}/nowhere/42`)).status).toBe(404);

    const after = await eventually('three processed tasks', async () => {
      const text = await scrape(tt);
      return sample(text, done) === 3 ? text : undefined;
    });
    expect(sample(after, created) - sample(before, created)).toBe(3);
    expect(sample(after, listed) - sample(before, listed)).toBe(1);
    expect(sample(after, fetched)).toBe(1);
    expect(sample(after, `task_tracker_http_requests_total{code="404",method="GET",route="unmatched"}`)).toBe(1);
    expect(sample(after, 'task_tracker_tasks_created_total')).toBe(3);
    expect(sample(after, 'task_tracker_tasks_queue_depth')).toBe(0);
    expect(after).not.toMatch(/route="\/tasks\/2"|nowhere/);

    const states = (await (await fetch(`${tt.api}/tasks?status=done`, { headers: tt.auth })).json()) as {
      tasks: unknown[];
    };
    expect(states.tasks).toHaveLength(3);
  });

  it('reports the version stamped in at build time', async () => {
    const tt = await start();
    const version = (await (await fetch(`${tt.api}/version`)).json()) as { version: string; goVersion: string };
    expect(version.version).toBe(versions.taskTracker.tag);
    expect(await scrape(tt)).toMatch(
      new RegExp(
        `task_tracker_build_info\\{goversion="go[0-9.]+",revision="unknown",version="${versions.taskTracker.tag}"\\} 1`,
      ),
    );
  });

  it('writes one JSON log line per request with method, route, status, duration and request id', async () => {
    const tt = await start();
    const response = await fetch(`${tt.api}/tasks/7`, { headers: { ...tt.auth, 'x-request-id': 'e2e-check-1' } });
    expect(response.status).toBe(404);
    const entries = await eventually('the request log line', async () => {
      const parsed = tt.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      return parsed.some((e) => e.msg === 'request') ? parsed : undefined;
    });
    const request = entries.find((e) => e.msg === 'request')!;
    expect(request).toMatchObject({
      level: 'INFO',
      method: 'GET',
      route: '/tasks/{id}',
      path: '/tasks/7',
      status: 404,
      request_id: 'e2e-check-1',
    });
    expect(request.duration).toEqual(expect.any(Number));
    expect(typeof request.time).toBe('string');
  });

  it('on SIGTERM turns not ready, stops accepting, finishes the in-flight request and exits 0 within the timeout', async () => {
    const tt = await start({ DEBUG_ROUTES: 'true', SHUTDOWN_DRAIN_DELAY: '2s', SHUTDOWN_TIMEOUT: '5s' });
    expect((await fetch(`${tt.api}/readyz`)).status).toBe(200);
    const slow = fetch(`${tt.api}/debug/delay?duration=3s`);
    await eventually('the slow request in flight', async () =>
      sample(await scrape(tt), 'task_tracker_http_requests_in_flight') === 1 ? true : undefined,
    );

    const signalled = Date.now();
    tt.process.kill('SIGTERM');
    const readiness = await eventually('readiness to fail', async () => {
      const status = (await fetch(`${tt.api}/readyz`)).status;
      return status === 503 ? status : undefined;
    });
    expect(readiness).toBe(503);
    await eventually('new requests to be refused after the drain delay', () =>
      fetch(`${tt.api}/healthz`).then(
        () => undefined,
        () => true,
      ),
    );

    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ delayed: '3s' });
    const exit = await tt.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(2000 + 5000);
    expect(tt.logs.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    );
  });

  it('exits non-zero when an in-flight request outlasts SHUTDOWN_TIMEOUT', async () => {
    const tt = await start({ DEBUG_ROUTES: 'true', SHUTDOWN_TIMEOUT: '1s' });
    void fetch(`${tt.api}/debug/delay?duration=10s`).catch(() => undefined);
    await eventually('the slow request in flight', async () =>
      sample(await scrape(tt), 'task_tracker_http_requests_in_flight') === 1 ? true : undefined,
    );
    tt.process.kill('SIGTERM');
    const exit = await tt.exited;
    expect(exit.code).toBe(1);
    expect(tt.logs.join('\n')).toContain('in-flight requests did not finish within SHUTDOWN_TIMEOUT=1s');
  });

  it('exits non-zero at start with a message naming a bad variable', async () => {
    await expect(start({ LOG_LEVEL: 'loud' })).rejects.toThrow(
      /exited \(2\) before serving: .*LOG_LEVEL=\\"loud\\": must be one of debug, info, warn, error/,
    );
    await expect(start({ SHUTDOWN_TIMEOUT: 'soon', WORKER_CONCURRENCY: '0' })).rejects.toThrow(
      /SHUTDOWN_TIMEOUT=\\"soon\\".*\\nWORKER_CONCURRENCY=\\"0\\"/,
    );
  });
});

describe('task-tracker binary: the guarded API', () => {
  const tasks = (tt: RunningTaskTracker, headers: Record<string, string> = {}) => fetch(`${tt.api}/tasks`, { headers });

  it('answers 401 without a bearer token, 403 with a wrong one, and leaves health and metrics open', async () => {
    const tt = await start();
    const none = await tasks(tt);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="task-tracker"');
    expect(
      (await tasks(tt, { authorization: `Basic ${Buffer.from(`test:${tt.token}`).toString('base64')}` })).status,
    ).toBe(401);
    const wrong = await tasks(tt, { authorization: `Bearer ${tt.token}x` });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'the token is not a key of this service' });
    const post = await fetch(`${tt.api}/tasks`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{"title":"intruder"}',
    });
    expect(post.status).toBe(403);
    expect((await tasks(tt, tt.auth)).status).toBe(200);
    expect(((await (await tasks(tt, tt.auth)).json()) as { tasks: unknown[] }).tasks).toEqual([]);
    for (const path of ['/healthz', '/readyz', '/version']) expect((await fetch(`${tt.api}${path}`)).status).toBe(200);
    expect((await fetch(`${tt.metrics}/metrics`)).status).toBe(200);
  });

  it('answers 429 with Retry-After once the client is over its limit', async () => {
    const tt = await start({ RATE_LIMIT_PER_MINUTE: '5' });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await tasks(tt, tt.auth)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await tasks(tt, tt.auth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refused requests never reach the store, so an over-eager client cannot fill it up.
    expect(sample(await scrape(tt), 'task_tracker_http_requests_total{code="429",method="GET",route="/tasks"}')).toBe(
      3,
    );
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const tt = await start();
    const response = await fetch(`${tt.api}/tasks`, {
      method: 'POST',
      headers: { ...tt.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(70_000) }),
    });
    expect(response.status).toBe(413);
  });

  it('refuses to start without a keys file, or with one that holds no key', async () => {
    await expect(start({ API_KEYS_FILE: '' })).rejects.toThrow(
      /exited \(2\) before serving: .*API_KEYS_FILE=.*is required/,
    );
    await expect(start({ API_KEYS_FILE: '/dev/null' })).rejects.toThrow(
      /exited \(2\) before serving: .*API_KEYS_FILE=\\"\/dev\/null\\" holds no key/,
    );
  });
});
