// npm run doctor, run for real: on this machine, and with a PATH that lacks Go and nginx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allGoTools } from '../estate/go-tools';
import { GO_TOOLS_CACHE, goToolPath } from '../go-tools';
import { repoRoot } from '../repo';

function doctor(path = process.env.PATH ?? '') {
  const run = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'generators/cli/doctor.ts'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: path },
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run doctor', () => {
  it('lists every Go tool as cached or to build, with its cache path, the Debian packages and the caches', () => {
    const { status, stdout, stderr } = doctor();
    expect(status, stderr).toBe(0);
    for (const tool of allGoTools) {
      const { name } = tool;
      const state = existsSync(goToolPath(tool)) ? 'cached' : 'to build';
      expect(stdout).toMatch(
        new RegExp(`^  ${name} +${state} +${relative(repoRoot, goToolPath(tool)).replaceAll('.', '\\.')} `, 'm'),
      );
    }
    expect(stdout).toMatch(/^ {2}nginx: installed {2}\(for platform\/monitoring\/federation-gateway\.test\.ts\)$/m);
    expect(stdout).toContain(`  built tools      ${GO_TOOLS_CACHE}`);
    expect(stdout).toMatch(/^ {2}Go build cache {3}\/\S+/m);
  });

  it('fails, naming what is missing, on a PATH without Go and nginx', () => {
    const path = [dirname(process.execPath), '/bin'].join(':');
    expect(
      spawnSync('sh', ['-c', 'command -v go || command -v nginx'], { env: { PATH: path } }).status,
      `${path} has go or nginx`,
    ).not.toBe(0);
    const { status, stdout, stderr } = doctor(path);
    expect(status).toBe(1);
    expect(stdout).toContain('  go    MISSING: install Go');
    expect(stdout).toMatch(/^ {2}nginx missing {2}\(Debian package nginx\)$/m);
    expect(stdout).toContain('apt-get update && apt-get install -y nginx');
    expect(stderr).toContain('npm test cannot run on this machine as it is');
  });
});
