// Loopback ports for the servers that tests, benchmarks, the proving ground and the dev loop start.
//
// A port from bind(0) is in the kernel's ephemeral range, where any other bind(0) or outgoing connection on the
// machine can take it between its release and the server's own bind: the suite then fails on "address already in
// use", or waits on someone else's server. So ports come from below that range, where the kernel never hands one
// out by itself, and each is reserved for the life of this process by a file in a folder every process of the run
// shares (under a test run, its own temporary folder), so that two test workers never get the same one.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claim, isHeld } from './pid-file';

/** The lowest port handed out: above the fixed ports servers default to (etcd 2379, Kafka 9092, Prometheus 9090). */
const LOWEST = 20_000;
const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** The first port of the kernel's ephemeral range; 32768 where the kernel does not say (Linux's default). */
export function ephemeralLow(rangeFile = RANGE_FILE): number {
  let text: string;
  try {
    text = readFileSync(rangeFile, 'utf8');
  } catch {
    return 32_768;
  }
  const low = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isInteger(low)) throw new Error(`${rangeFile}: expected "<low> <high>", read "${text.trim()}"`);
  return low;
}

const owned = new Set<string>();
process.once('exit', () => {
  for (const file of owned) rmSync(file, { force: true });
});

/**
 * Reserves `port` for this process: false when a live process holds it. The file of a process that died without
 * removing it (killed) is taken over; two processes taking over the same one at the same instant is the one race
 * left, and the bind check in `freePort` still catches a server of either already listening.
 */
function reserve(folder: string, port: number): boolean {
  const file = join(folder, String(port));
  for (let tries = 0; tries < 2; tries++) {
    if (claim(file)) {
      owned.add(file);
      return true;
    }
    if (isHeld(file)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

export interface PortOptions {
  /** @default join(tmpdir(), 'gitops-ports') */
  folder?: string;
  /** The ports to choose from, both included. @default 20000 up to the ephemeral range */
  range?: readonly [number, number];
}

/** A loopback port no process of this run holds or has been given, outside the range the kernel hands out. */
export async function freePort(o: PortOptions = {}): Promise<number> {
  const folder = o.folder ?? join(tmpdir(), 'gitops-ports');
  const [low, high] = o.range ?? [LOWEST, ephemeralLow() - 1];
  if (high - low < 0)
    throw new Error(`${RANGE_FILE} starts the ephemeral ports at ${high + 1}: freePort needs ${low}+`);
  mkdirSync(folder, { recursive: true });
  const span = high - low + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = low + ((start + i) % span);
    if (!reserve(folder, port)) continue;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port in ${low}-${high}: every one is reserved in ${folder} or bound`);
}
