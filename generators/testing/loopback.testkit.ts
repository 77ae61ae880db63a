// Local servers on loopback in tests and benchmarks (their ports: generators/ports.ts): the address, and polling until
// a probe yields a value.

export const LOOPBACK = '127.0.0.1';

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
