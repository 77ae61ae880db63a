// Runs Debian's PostgreSQL server (generators/debian-packages.ts) on loopback for the tests and `npm run dev`: initdb
// into a fresh folder, then `postgres` in the foreground, so a caller can stop it cleanly, kill it, or start it again
// on its data.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEBIAN_PACKAGES, packageCommand } from './debian-packages';
import { freePort } from './ports';

const PACKAGE = DEBIAN_PACKAGES.find((p) => p.name === 'postgresql-15')!;
export const SUPERUSER = 'tt';

/** The folder of Debian's server programs (initdb, postgres, pg_isready, pg_ctl). */
export function postgresBin(): string {
  const postgres = packageCommand(PACKAGE);
  if (!postgres) throw new Error(`postgres is missing: the test setup installs ${PACKAGE.name} or names the command`);
  return dirname(execFileSync('readlink', ['-f', postgres], { encoding: 'utf8' }).trim());
}

/** PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres` account. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A folder the server's account owns; the run's private temporary root must let it pass through. */
export function serverDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const user = serverUser();
  if (user) {
    chmodSync(tmpdir(), (statSync(tmpdir()).mode & 0o7777) | 0o011);
    chownSync(dir, user.uid, user.gid);
  }
  return dir;
}

/** Runs one of the server's programs (or another program, by absolute path) as the server's account. */
export function runAsServer(program: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(resolve(postgresBin(), program), args, {
    ...serverUser(),
    // A synchronous call blocks vitest's own timeouts: a hung program (a backup waiting for the archive) must end.
    timeout: 120_000,
    env: { PATH: process.env.PATH, LC_ALL: 'C', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function initdb(dataDir: string): void {
  runAsServer('initdb', ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
}

export interface RunningPostgres {
  child: ChildProcess;
  port: number;
  dataDir: string;
  /** `postgres://…` for the superuser's `postgres` database on loopback. */
  url: string;
  /** The server's log so far. */
  log(): string;
  /** Fast shutdown (SIGINT): the server writes a shutdown checkpoint. */
  stop(): Promise<void>;
  /** SIGKILL, as a crashed node: nothing more is written or archived. */
  kill(): Promise<void>;
}

/**
 * Starts the server on `dataDir` (initdb'd already) on 127.0.0.1:`port`, with `settings` as `-c` options; resolves
 * once it accepts connections (a standby: once it accepts read-only ones).
 */
export async function startPostgres(
  dataDir: string,
  port: number,
  settings: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<RunningPostgres> {
  const options = { listen_addresses: '127.0.0.1', unix_socket_directories: dataDir, fsync: 'off', ...settings };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(options).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(join(postgresBin(), 'postgres'), args, {
    ...serverUser(),
    env: { PATH: process.env.PATH, LC_ALL: 'C', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  const running: RunningPostgres = {
    child,
    port,
    dataDir,
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres?sslmode=disable`,
    log: () => output,
    stop: () => end('SIGINT'),
    kill: () => end('SIGKILL'),
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}) before it was ready:\n${output}`);
    if (/database system is ready to accept (read-only )?connections/.test(output)) return running;
    if (Date.now() > deadline) {
      await running.kill();
      throw new Error(`postgres was not ready within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One SQL statement through psql as the superuser; its unaligned, tuples-only output, trimmed. */
export function psql(pg: RunningPostgres, sql: string): string {
  return runAsServer('psql', [
    '-X',
    '-At',
    '-h',
    '127.0.0.1',
    '-p',
    String(pg.port),
    '-U',
    SUPERUSER,
    '-c',
    sql,
    'postgres',
  ]).trim();
}

/** A throw-away server on a free loopback port, in a fresh folder that `stop` removes with it. */
export async function startScratchPostgres(prefix: string): Promise<RunningPostgres> {
  const dataDir = serverDir(prefix);
  initdb(dataDir);
  const pg = await startPostgres(dataDir, await freePort());
  const stop = pg.stop;
  return { ...pg, stop: () => stop().then(() => rmSync(dataDir, { recursive: true, force: true })) };
}
