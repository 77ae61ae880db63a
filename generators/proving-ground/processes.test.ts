import { describe, expect, it } from 'vitest';
import { waitFor } from './processes';

describe('waitFor', () => {
  it('stops at once when a process it waits on has gone, naming why (not after the whole timeout)', async () => {
    const started = Date.now();
    const wait = waitFor(
      'kube-apiserver /readyz',
      async () => false,
      60_000,
      'see api.log',
      () => 'api exited (1)',
    );
    await expect(wait).rejects.toThrow('api exited (1) waiting for kube-apiserver /readyz: see api.log');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('times out naming what it waited for, and returns how long it waited once ready', async () => {
    await expect(waitFor('nothing', async () => false, 0)).rejects.toThrow('timed out after 0s waiting for nothing');
    let calls = 0;
    expect(await waitFor('the second poll', async () => ++calls === 2, 10_000)).toBeGreaterThanOrEqual(0);
  });
});
