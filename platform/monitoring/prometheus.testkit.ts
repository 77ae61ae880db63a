// Shared by the monitoring tests: the rendered objects of the real estate, and running Prometheus binaries.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { estate } from '../../generators/estate/clusters';
import { parseManifests, type ManifestDoc } from '../../generators/manifests';
import { renderEstate } from '../../generators/render';
import { catalogue } from '../../generators/estate/catalogue';

/** Every object the real estate renders, read back from the rendered YAML. */
export function renderedDocs(): ManifestDoc[] {
  const { files } = renderEstate(estate, catalogue);
  return [...files].flatMap(([file, text]) => parseManifests(file, text).docs);
}

export function renderedObject(docs: ManifestDoc[], cluster: string, kind: string, name: string): ManifestDoc {
  const doc = docs.find((d) => d.cluster === cluster && d.object.kind === kind && d.object.metadata?.name === name);
  if (!doc) throw new Error(`cluster ${cluster} renders no ${kind} ${name}`);
  return doc;
}

export interface ToolResult {
  code: number;
  output: string;
}

/** Runs a tool to completion; never throws on a non-zero exit, so tests can assert on failures too. */
export async function run(command: string, args: string[], cwd?: string): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export interface Process {
  child: ChildProcess;
  log: () => string;
}

/**
 * Starts `command` with its output in `log()`. With `logFile`, stdout and stderr are that file rather than Node's
 * pipes: those are sockets, which a program opening /dev/stdout or /dev/stderr by path (nginx) fails to reopen (ENXIO).
 */
export function start(command: string, args: string[], env: Record<string, string> = {}, logFile?: string): Process {
  if (logFile) {
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    return { child, log: () => readFileSync(logFile, 'utf8') };
  }
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  return { child, log: () => log };
}

export async function stop(processes: Process[]): Promise<void> {
  await Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

/** Polls `probe` until it returns a value, or fails with `what` and the last error after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
