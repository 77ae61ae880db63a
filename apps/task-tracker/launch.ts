// Starts the real task-tracker binary on loopback ports that the OS picks: for npm run dev, the tests and the
// benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildGoTool } from '../../generators/go-tools';
import { TOOL } from './api';

export interface RunningTaskTracker {
  process: ChildProcess;
  /** `http://127.0.0.1:<port>` of the API and of /metrics. */
  api: string;
  metrics: string;
  /** Every stdout line so far: the JSON log. */
  logs: string[];
  /** The bearer token of the one client (`test`) in the keys file the process reads; `auth` is its header. */
  token: string;
  auth: { authorization: string };
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * Spawns the binary; resolves once it logs the addresses it serves on (at info level, so LOG_LEVEL must not be above
 * info), rejects if it exits or stays silent before that.
 */
export function startTaskTracker(env: Record<string, string> = {}): Promise<RunningTaskTracker> {
  // The keys file as the mounted Secret holds it: the client's name and the SHA-256 of its token.
  const token = randomBytes(24).toString('base64url');
  const keysDir = mkdtempSync(join(tmpdir(), 'task-tracker-keys-'));
  const keysFile = join(keysDir, 'keys');
  writeFileSync(keysFile, `test:${createHash('sha256').update(token).digest('hex')}\n`, { mode: 0o600 });
  const child = spawn(buildGoTool(TOOL), [], {
    env: {
      PATH: process.env.PATH ?? '',
      LISTEN_ADDR: '127.0.0.1:0',
      METRICS_ADDR: '127.0.0.1:0',
      API_KEYS_FILE: keysFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      rmSync(keysDir, { recursive: true, force: true });
      resolve({ code, signal, stderr });
    }),
  );
  return new Promise((resolve, reject) => {
    const silent = setTimeout(() => {
      reject(new Error(`task-tracker logged no "serving" line within ${STARTUP_TIMEOUT_MS} ms`));
      child.kill('SIGKILL');
    }, STARTUP_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (!line.includes('"msg":"serving"')) return;
      const entry = JSON.parse(line) as { api: string; metrics: string };
      clearTimeout(silent);
      const api = `http://${entry.api}`;
      const auth = { authorization: `Bearer ${token}` };
      resolve({ process: child, api, metrics: `http://${entry.metrics}`, logs, exited, token, auth });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(silent);
      reject(new Error(`task-tracker exited (${code ?? signal}) before serving: ${stderr}`));
    });
  });
}

/** One sample value from a Prometheus text exposition, 0 when the series is absent. */
export function sample(exposition: string, series: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Creates a task through the API as the test client; resolves with the response status. */
export async function createTask(tt: RunningTaskTracker, title: string): Promise<number> {
  const res = await fetch(`${tt.api}/tasks`, {
    method: 'POST',
    headers: { ...tt.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Resolves once /readyz answers 200: the database answered, is migrated and takes writes. */
export async function ready(tt: RunningTaskTracker, timeoutMs = 20_000): Promise<RunningTaskTracker> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${tt.api}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return tt;
    if (Date.now() > deadline)
      throw new Error(`task-tracker was not ready within ${timeoutMs} ms:\n${tt.logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
