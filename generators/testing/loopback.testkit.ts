// Local servers on loopback in tests and benchmarks: a free port, and polling until a probe yields a value.
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A free loopback port: bound, read and released. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it yields a value; a probe that throws is tried again, its last error kept for the report. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const value = await probe().catch((error: Error) => {
      lastError = `; last error: ${error.message}`;
      return undefined;
    });
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError}`);
}
