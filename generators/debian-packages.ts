// Programs the tests run that no pinned Go module builds, so they come from Debian. The vitest global setup installs
// what is missing when it runs as root on Debian, and otherwise stops before any test with the command to run.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface DebianPackage {
  name: string;
  /** The program the tests start by name, found on PATH. */
  command: string;
  usedBy: string;
  /** Folders the package installs the program into that are not on PATH. @default none */
  dirs?: readonly string[];
}

export const DEBIAN_PACKAGES: DebianPackage[] = [
  // The federation gateway's image is nginx; the test runs the rendered nginx.conf under a real nginx.
  { name: 'nginx', command: 'nginx', usedBy: 'platform/monitoring/federation-gateway.test.ts' },
  // The Kafka broker and the stream job run on the JVM; Maven fetches their pinned jars from Maven Central.
  { name: 'openjdk-17-jre-headless', command: 'java', usedBy: 'platform/streaming/streaming-e2e.test.ts' },
  { name: 'maven', command: 'mvn', usedBy: 'platform/streaming/streaming-e2e.test.ts' },
  // The server task-tracker runs on (CloudNativePG's operand in the clusters); Debian keeps its programs off PATH.
  {
    name: 'postgresql-15',
    command: 'postgres',
    usedBy: 'apps/task-tracker/shared-state.test.ts',
    dirs: ['/usr/lib/postgresql/15/bin'],
  },
];

/** Where a package's program is: on PATH or in one of the package's own folders. */
export function packageCommand(p: DebianPackage, path = process.env.PATH ?? ''): string | undefined {
  return findCommand(p.command, [path, ...(p.dirs ?? [])].join(delimiter));
}

/** The program's path on `path` (a PATH value), if it is there and executable. */
export function findCommand(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export function installCommand(packages: DebianPackage[]): string {
  return `apt-get update && apt-get install -y ${packages.map((p) => p.name).join(' ')}`;
}

export interface Host {
  root: boolean;
  debian: boolean;
}

export const thisHost = (): Host => ({ root: process.getuid?.() === 0, debian: existsSync('/etc/debian_version') });

/** What the setup does about the missing packages: nothing, install them, or stop with this message. */
export function debianPlan(
  missing: DebianPackage[],
  host: Host,
): { action: 'none' | 'install' } | { action: 'stop'; message: string } {
  if (!missing.length) return { action: 'none' };
  if (host.root && host.debian) return { action: 'install' };
  const names = missing.map((p) => `${p.name} (for ${p.usedBy})`).join(', ');
  const what = missing.length === 1 ? `package ${names}, which is` : `packages ${names}, which are`;
  const as = host.debian ? 'as root' : 'on a Debian machine, as root';
  return {
    action: 'stop',
    message: `The tests need the Debian ${what} missing. Run ${as}: ${installCommand(missing)}`,
  };
}

/** Installs the missing Debian packages or throws the message that names the install command. */
export function ensureDebianPackages(host = thisHost()): void {
  const missing = DEBIAN_PACKAGES.filter((p) => !packageCommand(p));
  const plan = debianPlan(missing, host);
  if (plan.action === 'stop') throw new Error(plan.message);
  if (plan.action === 'none') return;
  const command = installCommand(missing);
  console.log(`test setup: installing ${missing.map((p) => p.name).join(' ')}: ${command}`);
  try {
    execFileSync('sh', ['-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`\`${command}\` failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.trim().slice(-2000)}`);
  }
  const still = missing.filter((p) => !packageCommand(p));
  if (still.length)
    throw new Error(
      `\`${command}\` ran, but ${still.map((p) => p.command).join(', ')} is still not on PATH (${process.env.PATH})`,
    );
}
