// renovate.json: its regex manager reads every pin of the versions module, and only dev-dependency patches automerge.
// Renovate's own validator is too large to install here for every run; see README "Contributing" for how it was run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';
import { versions } from '../versions';

interface PackageRule {
  matchManagers?: string[];
  matchDepTypes?: string[];
  matchUpdateTypes?: string[];
  automerge?: boolean;
}

interface RenovateConfig {
  automerge?: boolean;
  minimumReleaseAge?: string;
  enabledManagers: string[];
  customManagers: { customType: string; fileMatch: string[]; matchStrings: string[] }[];
  packageRules: PackageRule[];
}

const config = JSON.parse(readFileSync(join(repoRoot, 'renovate.json'), 'utf8')) as RenovateConfig;
const VERSIONS_FILE = 'generators/versions.ts';
const versionsText = readFileSync(join(repoRoot, VERSIONS_FILE), 'utf8');

interface Pin {
  datasource: string;
  depName: string;
  currentValue: string;
}

/** What the regex managers for `file` extract from `text`, and the `// renovate:` comments none of them matched. */
function extractPins(cfg: RenovateConfig, file: string, text: string): { pins: Pin[]; unmatched: string[] } {
  const managers = cfg.customManagers.filter(
    (m) => m.customType === 'regex' && m.fileMatch.some((p) => new RegExp(p).test(file)),
  );
  const pins: Pin[] = [];
  const matchedAt = new Set<number>();
  for (const pattern of managers.flatMap((m) => m.matchStrings)) {
    for (const match of text.matchAll(new RegExp(pattern, 'g'))) {
      const { datasource = '', depName = '', currentValue = '' } = match.groups ?? {};
      pins.push({ datasource, depName, currentValue });
      matchedAt.add(match.index);
    }
  }
  const unmatched = [...text.matchAll(/\/\/ renovate: datasource=.*/g)]
    .filter((m) => !matchedAt.has(m.index))
    .map((m) => m[0]);
  return { pins, unmatched };
}

/** Rules that automerge anything beyond patch releases of npm dev-dependencies. */
function broadAutomerge(cfg: RenovateConfig): string[] {
  const problems = cfg.automerge ? ['automerge is on for every update'] : [];
  cfg.packageRules.forEach((rule, i) => {
    if (!rule.automerge) return;
    const narrow =
      JSON.stringify(rule.matchManagers) === '["npm"]' &&
      JSON.stringify(rule.matchDepTypes) === '["devDependencies"]' &&
      JSON.stringify(rule.matchUpdateTypes) === '["patch"]';
    if (!narrow) problems.push(`packageRules[${i}] automerges more than patch releases of npm devDependencies`);
  });
  return problems;
}

function leafValues(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Object.values(value as object).flatMap(leafValues);
}

describe('renovate.json regex manager', () => {
  it(`extracts every pin that ${VERSIONS_FILE} annotates, with the exact pinned value`, () => {
    const { pins, unmatched } = extractPins(config, VERSIONS_FILE, versionsText);
    expect(unmatched).toEqual([]);
    expect(pins.length).toBe([...versionsText.matchAll(/\/\/ renovate: datasource=/g)].length);
    expect(pins).toContainEqual({
      datasource: 'github-releases',
      depName: 'fluxcd/flux2',
      currentValue: versions.flux.distribution,
    });
    expect(pins).toContainEqual({
      datasource: 'github-releases',
      depName: 'siderolabs/talos',
      currentValue: versions.talos,
    });
    expect(pins).toContainEqual({
      datasource: 'github-releases',
      depName: 'kubernetes/kubernetes',
      currentValue: versions.kubernetes,
    });
    const pinned = leafValues(versions);
    for (const pin of pins)
      expect(pinned.some((v) => v === pin.currentValue || v.endsWith(`:${pin.currentValue}`))).toBe(true);
  });

  it('reads an image pin `name:tag@digest` as its tag', () => {
    const text =
      "  // renovate: datasource=docker depName=gcr.io/distroless/static\n  runtime: 'gcr.io/distroless/static:nonroot@sha256:" +
      'a'.repeat(64) +
      "',\n";
    expect(extractPins(config, VERSIONS_FILE, text).pins).toEqual([
      { datasource: 'docker', depName: 'gcr.io/distroless/static', currentValue: 'nonroot' },
    ]);
  });

  it('reports a `// renovate:` comment whose value it cannot read', () => {
    const text = [
      '  // renovate: datasource=docker depName=busybox',
      '  // a comment between the annotation and the value',
      "  busybox: '1.37.0',",
      '  // renovate: datasource=docker depName=alpine',
      '  alpine: "3.22.0",',
    ].join('\n');
    const { pins, unmatched } = extractPins(config, VERSIONS_FILE, text);
    expect(pins).toEqual([]);
    expect(unmatched).toEqual([
      '// renovate: datasource=docker depName=busybox',
      '// renovate: datasource=docker depName=alpine',
    ]);
  });
});

describe('renovate.json update policy', () => {
  it('keeps npm, Go modules, GitHub Actions, Dockerfiles and the versions module current, after a minimum release age', () => {
    expect(config.enabledManagers).toEqual(['npm', 'gomod', 'github-actions', 'dockerfile', 'custom.regex']);
    expect(config.minimumReleaseAge).toMatch(/^\d+ days?$/);
  });

  it('automerges only patch releases of dev-dependencies', () => {
    expect(broadAutomerge(config)).toEqual([]);
    expect(config.packageRules.some((r) => r.automerge)).toBe(true);
  });

  it('rejects wider automerge rules', () => {
    const wide: RenovateConfig = {
      ...config,
      automerge: true,
      packageRules: [
        {
          matchManagers: ['npm'],
          matchDepTypes: ['devDependencies'],
          matchUpdateTypes: ['patch', 'minor'],
          automerge: true,
        },
      ],
    };
    expect(broadAutomerge(wide)).toEqual([
      'automerge is on for every update',
      'packageRules[0] automerges more than patch releases of npm devDependencies',
    ]);
  });
});
