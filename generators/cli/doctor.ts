// npm run doctor: what `npm test` needs on this machine, what it will build, what it installs, and where it caches.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { allGoTools } from '../estate/go-tools';
import { GO_TOOLS_CACHE, goToolPath } from '../go-tools';
import { repoRoot } from '../repo';
import { DEBIAN_PACKAGES, debianPlan, findCommand, installCommand, thisHost } from '../debian-packages';
import { runCli } from './run';

function versionOf(command: string, args: string[]): string | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function goEnv(name: string): string {
  return versionOf('go', ['env', name]) ?? '(go missing)';
}

/** The report's lines, and whether `npm test` can run here as it is (or after installing what it installs itself). */
function doctor(): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  const go = findCommand('go');
  lines.push('Present:');
  lines.push(`  node  ${process.version}  ${process.execPath}`);
  lines.push(
    go
      ? `  go    ${versionOf('go', ['env', 'GOVERSION'])}  ${go}`
      : '  go    MISSING: install Go (go.mod files name the version); nothing below can be built',
  );
  for (const p of DEBIAN_PACKAGES) {
    const path = findCommand(p.command);
    lines.push(`  ${p.command.padEnd(5)} ${path ? path : 'missing'}  (Debian package ${p.name})`);
  }

  lines.push(`Go tools, built from pinned modules on first use into ${relative(repoRoot, GO_TOOLS_CACHE)}:`);
  const width = Math.max(...allGoTools.map((t) => t.name.length));
  for (const tool of allGoTools) {
    const path = goToolPath(tool);
    const state = existsSync(path) ? 'cached  ' : 'to build';
    lines.push(`  ${tool.name.padEnd(width)}  ${state}  ${relative(repoRoot, path)}  (${tool.module})`);
  }

  const missing = DEBIAN_PACKAGES.filter((p) => !findCommand(p.command));
  const plan = debianPlan(missing, thisHost());
  lines.push('Debian packages the tests need:');
  for (const p of DEBIAN_PACKAGES) {
    const state = !missing.includes(p)
      ? 'installed'
      : plan.action === 'install'
        ? `missing; npm test runs \`${installCommand([p])}\``
        : 'missing';
    lines.push(`  ${p.name}: ${state}  (for ${p.usedBy})`);
  }
  if (plan.action === 'stop') lines.push(`  ${plan.message}`);

  lines.push('Caches:');
  lines.push(`  built tools      ${GO_TOOLS_CACHE}`);
  lines.push(`  Go build cache   ${goEnv('GOCACHE')}`);
  lines.push(`  Go module cache  ${goEnv('GOMODCACHE')}`);
  return { lines, ok: Boolean(go) && plan.action !== 'stop' };
}

runCli(() => {
  const { lines, ok } = doctor();
  console.log(lines.join('\n'));
  if (!ok) throw new Error('npm test cannot run on this machine as it is; the lines above say what is missing');
});
