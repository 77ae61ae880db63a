// Long-running local processes of the proving ground: each logs to its own file, and its exit before `stop` is an
// error that names the log to read.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Running {
  name: string;
  log: string;
  child: ChildProcess;
  /** Peak resident set size in MiB so far (VmHWM), or undefined once the process is gone. */
  peakRssMiB(): number | undefined;
  stop(): Promise<void>;
}

/** The tail of a log, for error messages. */
export function tail(log: string, lines = 15): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function start(
  name: string,
  program: string,
  args: string[],
  logDir: string,
  env: NodeJS.ProcessEnv = {},
): Running {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(program, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`proving ground: ${name} exited (${code ?? signal}); see ${log}:\n${tail(log)}\n`);
  });
  return {
    name,
    log,
    child,
    peakRssMiB() {
      try {
        const kb = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m)?.[1];
        return kb ? Math.round(Number(kb) / 1024) : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What a process logs when the port `freePort` gave it was bound first by another; the caller starts again. */
export const PORT_TAKEN = 'address already in use';

/** Whether the process is gone. */
export const exited = (p: Running): boolean => p.child.exitCode !== null || p.child.signalCode !== null;

/**
 * Polls `ready` until it returns true; fails with `what` and the hint after `timeoutMs`, or at once when `failed`
 * names a reason to stop waiting (a process it waits on has exited).
 */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  hint = '',
  failed: () => string | undefined = () => undefined,
): Promise<number> {
  const started = Date.now();
  const because = (reason: string) => new Error(`${reason} waiting for ${what}${hint ? `: ${hint}` : ''}`);
  for (;;) {
    if (await ready().catch(() => false)) return Date.now() - started;
    const reason = failed();
    if (reason) throw because(reason);
    if (Date.now() - started > timeoutMs) throw because(`timed out after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
