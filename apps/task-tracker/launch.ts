// Starts the real task-tracker binary on loopback ports that the OS picks: for npm run dev, the tests and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * Spawns the binary; resolves once it logs the addresses it serves on (at info level, so LOG_LEVEL must not be above
 * info), rejects if it exits or stays silent before that.
 */
export function startTaskTracker(env: Record<string, string> = {}): Promise<RunningTaskTracker> {
  const child = spawn(buildGoTool(TOOL), [], {
    env: { PATH: process.env.PATH ?? '', LISTEN_ADDR: '127.0.0.1:0', METRICS_ADDR: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
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
      resolve({ process: child, api: `http://${entry.api}`, metrics: `http://${entry.metrics}`, logs, exited });
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
