// Python tools the tests and benchmarks run, from PyPI at the versions generators/versions.ts pins, each in its own
// virtualenv under .cache/ that the first use creates (a virtualenv cannot move, so it installs in place).
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const COMPLETE = '.installed';
// Debian's interpreter, not one under a user's home: PostgreSQL runs barman-cloud as its own account. It needs
// Debian's python3-venv package.
const PYTHON = '/usr/bin/python3';

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(' ')}\` failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000)}`);
  }
}

/**
 * The bin folder of a virtualenv at `dir` with `requirements` (`name==version`), installed if needed. Name `dir` after
 * the pins: a bump then installs afresh beside the old one.
 */
export function pythonVenv(dir: string, requirements: readonly string[]): string {
  const bin = join(dir, 'bin');
  const marker = join(dir, COMPLETE);
  if (existsSync(marker)) return bin;
  rmSync(dir, { recursive: true, force: true });
  run(PYTHON, ['-m', 'venv', dir]);
  run(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...requirements]);
  writeFileSync(marker, `${requirements.join(' ')}\n`);
  return bin;
}
