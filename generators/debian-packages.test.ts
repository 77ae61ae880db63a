// The test setup's Debian prerequisites: what it decides per machine, and a real vitest run without nginx as a user
// who may not install it, which must stop before any test with the install command.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './repo';
import { DEBIAN_PACKAGES, debianPlan, findCommand, installCommand, packageCommand } from './debian-packages';
import setupTestRun from './testing/global-setup';

const dir = mkdtempSync(join(tmpdir(), 'debian-packages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Debian prerequisites of the tests', () => {
  it('installs what is missing as root on Debian, does nothing when all is there', () => {
    expect(debianPlan(DEBIAN_PACKAGES, { root: true, debian: true })).toEqual({ action: 'install' });
    expect(debianPlan([], { root: false, debian: false })).toEqual({ action: 'none' });
    expect(installCommand(DEBIAN_PACKAGES)).toBe(
      'apt-get update && apt-get install -y nginx openjdk-17-jre-headless maven postgresql-15',
    );
  });

  it('stops with the exact install command when it may not install', () => {
    const nginx = DEBIAN_PACKAGES.filter((p) => p.name === 'nginx');
    expect(debianPlan(nginx, { root: false, debian: true })).toEqual({
      action: 'stop',
      message:
        'The tests need the Debian package nginx (for platform/monitoring/federation-gateway.test.ts), ' +
        'which is missing. ' +
        'Run as root: apt-get update && apt-get install -y nginx',
    });
    const elsewhere = debianPlan(DEBIAN_PACKAGES, { root: true, debian: false });
    expect(elsewhere.action === 'stop' && elsewhere.message).toMatch(
      /^The tests need the Debian packages nginx \(for .*\), openjdk-17-jre-headless .*, which are missing\. /,
    );
    expect(elsewhere.action === 'stop' && elsewhere.message).toMatch(
      /Run on a Debian machine, as root: apt-get update && apt-get install -y nginx openjdk-17-jre-headless maven postgresql-15$/,
    );
  });

  it('finds a program only where PATH says and only if executable', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nginx'), '#!/bin/sh\n');
    expect(findCommand('nginx', `/nonexistent:${bin}`)).toBeUndefined();
    chmodSync(join(bin, 'nginx'), 0o755);
    expect(findCommand('nginx', `/nonexistent:${bin}`)).toBe(join(bin, 'nginx'));
    expect(findCommand('nginx', '/nonexistent')).toBeUndefined();
  });

  it("finds a package's program in the package's own folders, which are not on PATH", () => {
    const own = join(dir, 'lib', 'bin');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'postgres'), '#!/bin/sh\n');
    chmodSync(join(own, 'postgres'), 0o755);
    const pkg = { name: 'postgresql-15', command: 'postgres', usedBy: 'a test', dirs: [own] };
    expect(packageCommand(pkg, '/nonexistent')).toBe(join(own, 'postgres'));
    expect(packageCommand({ ...pkg, dirs: [] }, '/nonexistent')).toBeUndefined();
  });

  it('a vitest run without nginx, as a user who may not install it, stops before any test with the command', () => {
    // A copy of the setup with one test that leaves a mark: the mark must not appear.
    const copy = join(dir, 'run');
    const setup = ['vitest.config.ts', 'generators/testing/global-setup.ts', 'generators/debian-packages.ts'];
    for (const file of setup) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(copy, file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    // The unit tier's module warm-up reads the catalogue, which the copy lacks; it has no components to warm.
    writeFileSync(join(copy, 'generators/testing/render-modules-setup.ts'), 'export default () => {};\n');
    const mark = join(copy, 'ran');
    const markTest = [
      "import { it } from 'vitest';",
      "import { writeFileSync } from 'node:fs';",
      `it('runs', () => writeFileSync(${JSON.stringify(mark)}, ''));`,
    ];
    writeFileSync(join(copy, 'generators/mark.test.ts'), `${markTest.join('\n')}\n`);
    spawnSync('chmod', ['-R', 'a+rwX', dir]);
    // The run's temporary root is private (mkdtemp); nobody needs to pass through it to reach the copy.
    chmodSync(tmpdir(), (statSync(tmpdir()).mode & 0o7777) | 0o011);
    const node = process.execPath;
    const path = dirname(node) === '/usr/bin' ? '/usr/bin:/bin' : `${dirname(node)}:/usr/bin:/bin`;
    expect(findCommand('nginx', path), `nginx is on ${path}, so this run would not miss it`).toBeUndefined();
    // As root the setup would install nginx; as nobody it may not.
    const asNobody = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];
    const vitest = [node, join(copy, 'node_modules/vitest/vitest.mjs'), 'run'];
    const command = [...asNobody, 'env', `PATH=${path}`, `HOME=${copy}`, `TMPDIR=${copy}`, ...vitest];
    const result = spawnSync(command[0]!, command.slice(1), { cwd: copy, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain('Run as root: apt-get update && apt-get install -y nginx');
    expect(result.stderr).not.toMatch(/\bat .*global-setup\.ts/);
    expect(existsSync(mark)).toBe(false);
  });

  it('one temporary folder per run, however many vitest projects run the setup (a nested one is out of reach)', () => {
    const saved = { ...process.env };
    try {
      delete process.env.GITOPS_TEST_RUN_TMPDIR;
      process.env.TMPDIR = dir;
      const teardownFirst = setupTestRun();
      const first = process.env.TMPDIR;
      const teardownSecond = setupTestRun();
      expect(process.env.TMPDIR).toBe(first);
      teardownSecond();
      expect(existsSync(first!)).toBe(true);
      teardownFirst();
      expect(existsSync(first!)).toBe(false);
    } finally {
      process.env = saved;
    }
  });
});
