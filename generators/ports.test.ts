import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePort } from './ports';

// Test ranges lie below the ports freePort gives (from 20000), so that no server of a test running alongside holds one.
const folder = () => mkdtempSync(join(tmpdir(), 'ports-'));
// Every pid is below pid_max, so no process has that one.
const deadPid = () => readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();

describe('freePort', () => {
  it('gives a port below the kernel ephemeral range, which no bind(0) or outgoing connection can take', async () => {
    // Before the fix it returned the kernel's own bind(0) choice, inside that range.
    const port = await freePort({ folder: folder() });
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(ephemeralLow());
  });

  it('never gives a port twice, and reserves each for this process', async () => {
    const dir = folder();
    const ports = await Promise.all(
      Array.from({ length: 20 }, () => freePort({ folder: dir, range: [19_100, 19_119] })),
    );
    expect(new Set(ports).size).toBe(20);
    expect(readFileSync(join(dir, String(ports[0])), 'utf8')).toBe(String(process.pid));
    await expect(freePort({ folder: dir, range: [19_100, 19_119] })).rejects.toThrow(
      `no free loopback port in 19100-19119: every one is reserved in ${dir} or bound`,
    );
  });

  it("skips a live process's reservation and takes over a dead one's", async () => {
    const dir = folder();
    writeFileSync(join(dir, '19200'), String(process.ppid));
    expect(await freePort({ folder: dir, range: [19_200, 19_201] })).toBe(19_201);
    const stale = folder();
    writeFileSync(join(stale, '19200'), String(deadPid()));
    expect(await freePort({ folder: stale, range: [19_200, 19_200] })).toBe(19_200);
    expect(readFileSync(join(stale, '19200'), 'utf8')).toBe(String(process.pid));
  });

  it('skips a port another server listens on', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(19_300, '127.0.0.1', resolve));
    try {
      expect(await freePort({ folder: folder(), range: [19_300, 19_301] })).toBe(19_301);
    } finally {
      server.close();
    }
  });
});

describe('ephemeralLow', () => {
  it('reads the first port of the range, and refuses a file it cannot parse', () => {
    const dir = folder();
    writeFileSync(join(dir, 'range'), '32768\t60999\n');
    expect(ephemeralLow(join(dir, 'range'))).toBe(32_768);
    writeFileSync(join(dir, 'range'), 'garbage\n');
    expect(() => ephemeralLow(join(dir, 'range'))).toThrow(
      `${join(dir, 'range')}: expected "<low> <high>", read "garbage"`,
    );
    expect(ephemeralLow(join(dir, 'absent'))).toBe(32_768);
  });
});
