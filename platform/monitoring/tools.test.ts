// The Prometheus, promtool, Alertmanager and amtool the tests run are the releases the clusters run
// (generators/versions.ts): the Go modules in platform/monitoring/tools require exactly those, and the built
// binaries report them, both in `--version` and in the module version compiled into them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGoTool } from '../../generators/go-tools';
import { ALERTMANAGER, AMTOOL, PROMETHEUS, PROMTOOL } from './tools';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';

/** Prometheus v3.xx.y is tagged v0.3xx.y as a Go module. */
function prometheusModuleVersion(release: string): string {
  const m = /^3\.(\d+)\.(\d+)$/.exec(release);
  if (!m) throw new Error(`generators/versions.ts: prometheus ${JSON.stringify(release)} is not a 3.x.y release`);
  return `v0.${300 + Number(m[1])}.${m[2]}`;
}

const PINS = [
  {
    tools: [PROMETHEUS, PROMTOOL],
    module: 'github.com/prometheus/prometheus',
    release: versions.prometheus,
    tag: prometheusModuleVersion(versions.prometheus),
  },
  {
    tools: [ALERTMANAGER, AMTOOL],
    module: 'github.com/prometheus/alertmanager',
    release: versions.alertmanager,
    tag: `v${versions.alertmanager}`,
  },
] as const;

/** The problem with a go.mod's require of `module`, if it does not require exactly `tag`. */
function requireProblem(file: string, goMod: string, module: string, tag: string): string | undefined {
  const required = new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')} (\\S+)`, 'm').exec(goMod)?.[1];
  if (required === tag) return undefined;
  return `${file}: require ${module} is ${required ?? 'missing'}, but generators/versions.ts pins ${tag}`;
}

/** The problem with a binary's `--version` output, if it does not state `release`. */
function versionProblem(program: string, output: string, release: string): string | undefined {
  const stated = new RegExp(`^${program}, version (\\S+) `).exec(output)?.[1];
  return stated === release ? undefined : `${program} --version states ${stated ?? 'no version'}, not ${release}`;
}

describe('Prometheus and Alertmanager binaries', () => {
  for (const { tools, module, release, tag } of PINS) {
    const dir = tools[0].module;
    const goModPath = join(dir, 'go.mod');

    it(`${dir}/go.mod requires ${module} ${tag}, the release generators/versions.ts pins (${release})`, () => {
      expect(requireProblem(goModPath, readFileSync(join(repoRoot, goModPath), 'utf8'), module, tag)).toBeUndefined();
    });

    for (const tool of tools) {
      it(`${tool.name} states ${release} and is compiled from ${module} ${tag}`, () => {
        const binary = buildGoTool(tool);
        const output = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(versionProblem(tool.name, output, release)).toBeUndefined();
        const buildInfo = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
        // `mod` is the module of the main package: the program itself is that release's code.
        expect(buildInfo).toMatch(
          new RegExp(`^\\s+mod\\s+${module.replaceAll('.', '\\.')}\\s+${tag.replaceAll('.', '\\.')}\\s`, 'm'),
        );
      });
    }
  }

  it('prometheus is built without service discovery plugins, and refuses a config that asks for one', () => {
    const binary = buildGoTool(PROMETHEUS);
    expect(execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' })).toMatch(
      /^\s+build\s+-tags=remove_all_sd$/m,
    );
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-sd-'));
    try {
      const config = join(dir, 'prometheus.yml');
      writeFileSync(config, 'scrape_configs:\n  - job_name: nodes\n    kubernetes_sd_configs:\n      - role: node\n');
      const run = spawnSync(
        binary,
        [`--config.file=${config}`, `--storage.tsdb.path=${dir}`, '--web.listen-address=127.0.0.1:0'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/field kubernetes_sd_configs not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('report drift: another module version, another stated version, no 3.x release (the checks can fail)', () => {
    const goMod = 'module x\n\ngo 1.26\n\nrequire github.com/prometheus/prometheus v0.309.0\n';
    expect(requireProblem('t/go.mod', goMod, 'github.com/prometheus/prometheus', 'v0.310.0')).toBe(
      't/go.mod: require github.com/prometheus/prometheus is v0.309.0, but generators/versions.ts pins v0.310.0',
    );
    expect(requireProblem('t/go.mod', 'module x\n', 'github.com/prometheus/alertmanager', 'v0.31.1')).toMatch(
      /is missing/,
    );
    expect(
      versionProblem('promtool', 'promtool, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5)', '3.10.0'),
    ).toBe('promtool --version states 2.42.0+ds, not 3.10.0');
    expect(() => prometheusModuleVersion('2.42.0')).toThrow(
      'generators/versions.ts: prometheus "2.42.0" is not a 3.x.y release',
    );
    expect(prometheusModuleVersion('3.10.0')).toBe('v0.310.0');
    expect(prometheusModuleVersion('3.5.2')).toBe('v0.305.2');
  });
});
