// Runs every policy rule over every cluster's rendered objects, applies the allow-list and formats the report.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderCharts, unmatchedCharts, type ChartProblem, type DeclaredChart } from '../charts';
import type { Estate } from '../model';
import { loadManifests, type ManifestDoc, type ParseError } from '../manifests';
import { SOPS_CONFIG } from '../secrets/sops';
import { listFiles, missingOutput } from '../layout';
import type { AllowEntry } from './allow-list';
import { rules, type ClusterView, type Finding } from './rules';

/** Folders the gate reads: each cluster's output and the shared Flux install every cluster applies. */
const CHECKED_DIRS = ['clusters', 'flux-system'];

export interface PolicyInput {
  estate: Estate;
  /** The rendered files' objects, then those `helm template` renders from the declared charts' HelmReleases. */
  docs: ManifestDoc[];
  parseErrors: ParseError[];
  /** Declared charts that matched no HelmRelease or failed to render. */
  chartProblems: ChartProblem[];
  /** Every file under the checked folders, repo-relative. */
  files: Set<string>;
  sopsConfig: string | undefined;
  /** Clusters of the model whose rendered output is missing. */
  missing: { cluster: string; file: string; message: string }[];
}

export interface Violation extends Finding {
  /**
   * A rule id, or one of the gate's own checks: `manifest-parse`, `chart-render`, `output-missing`,
   * `unknown-cluster`, `allow-list-stale`.
   */
  rule: string;
  clusters: string[];
  hint: string;
}

export interface PolicyReport {
  violations: Violation[];
  allowed: (Violation & { reason: string })[];
}

/** The tree at `root`, with the objects of the `charts` the components declare (generators/registries.ts chartsOf). */
export function loadPolicyInput(root: string, estate: Estate, charts: readonly DeclaredChart[]): PolicyInput {
  const { docs, errors } = loadManifests(root, CHECKED_DIRS);
  const files = new Set(
    CHECKED_DIRS.flatMap((dir) => listFiles(join(root, dir))).map((f) => relative(root, f).split('\\').join('/')),
  );
  const config = join(root, SOPS_CONFIG);
  const rendered = renderCharts(docs, charts, estate.clusters);
  return {
    estate,
    docs: [...docs, ...rendered.docs],
    parseErrors: errors,
    chartProblems: [...unmatchedCharts(docs, charts), ...rendered.problems],
    files,
    sopsConfig: existsSync(config) ? readFileSync(config, 'utf8') : undefined,
    missing: missingOutput(
      root,
      estate.clusters.map((c) => c.name),
    ),
  };
}

/** Adds a finding, merging one that another cluster already reported for the same shared file. */
function collect(into: Map<string, Violation>, violation: Violation): void {
  const key = [violation.rule, violation.file, violation.object, violation.field, violation.message].join('\u0000');
  const seen = into.get(key);
  if (seen) seen.clusters = [...new Set([...seen.clusters, ...violation.clusters])];
  else into.set(key, violation);
}

export function runPolicy(input: PolicyInput, allowList: AllowEntry[]): PolicyReport {
  const violations = new Map<string, Violation>();
  const allowed = new Map<string, Violation & { reason: string }>();
  const used = new Set<string>();
  const names = input.estate.clusters.map((c) => c.name);

  for (const e of input.parseErrors) {
    collect(violations, {
      rule: 'manifest-parse',
      clusters: [],
      file: e.file,
      object: `document ${e.index}`,
      field: '-',
      message: e.message,
      hint: 'fix the YAML (re-render if the file is generated)',
    });
  }
  for (const p of input.chartProblems) {
    const hint = "fix the HelmRelease's values or the component's `charts` entry (generators/charts.ts)";
    const clusters = p.file.startsWith('clusters/') ? [p.file.split('/')[1]!] : [];
    collect(violations, { rule: 'chart-render', clusters, ...p, hint });
  }
  for (const m of input.missing) {
    const hint = 'run `npm run render` and commit clusters/ (the exemptions are checked once the output exists)';
    collect(violations, {
      rule: 'output-missing',
      clusters: [m.cluster],
      file: m.file,
      object: '-',
      field: '-',
      message: m.message,
      hint,
    });
  }
  const unchecked = new Set(input.missing.map((m) => m.cluster));
  for (const doc of input.docs.filter((d) => d.cluster !== undefined && !names.includes(d.cluster))) {
    collect(violations, {
      rule: 'unknown-cluster',
      clusters: [doc.cluster!],
      file: doc.file,
      object: '-',
      field: '-',
      message: `clusters/${doc.cluster}/ has no cluster in the model`,
      hint: 'remove the folder or add the cluster to generators/estate/clusters.ts',
    });
  }
  for (const cluster of input.estate.clusters) {
    const view: ClusterView = {
      estate: input.estate,
      cluster,
      docs: input.docs.filter((d) => d.cluster === undefined || d.cluster === cluster.name),
      files: input.files,
      sopsConfig: input.sopsConfig,
    };
    for (const [rule, { hint, check }] of Object.entries(rules)) {
      for (const finding of check(view)) {
        const violation = { rule, clusters: [cluster.name], hint, ...finding };
        const exemption = allowList.find(
          (e) => e.rule === rule && e.object === finding.object && e.clusters.includes(cluster.name),
        );
        if (!exemption) {
          collect(violations, violation);
          continue;
        }
        used.add(`${allowList.indexOf(exemption)}/${cluster.name}`);
        const key = [rule, finding.file, finding.object, finding.field, finding.message].join('\u0000');
        const seen = allowed.get(key);
        if (seen) seen.clusters = [...new Set([...seen.clusters, cluster.name])];
        else allowed.set(key, { ...violation, reason: exemption.reason });
      }
    }
  }
  allowList.forEach((e, i) => {
    // Without a cluster's output nothing breaks a rule there: the missing output is the violation, not the exemption.
    const stale = e.clusters.filter((c) => !used.has(`${i}/${c}`) && !unchecked.has(c));
    if (!stale.length) return;
    collect(violations, {
      rule: 'allow-list-stale',
      clusters: stale,
      file: `component ${e.component ?? '?'}`,
      object: e.object,
      field: `exemptions[${i}]`,
      message: `exempts ${e.object} from ${e.rule}, but it breaks no such rule in ${stale.join(', ')}`,
      hint: 'remove the exemption from the component (or stop the component from breaking the rule only where it must)',
    });
  });
  return { violations: [...violations.values()], allowed: [...allowed.values()] };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

export function formatReport(report: PolicyReport): string {
  const lines: string[] = [];
  const where = (v: Violation) => `${v.rule}  ${v.clusters.join(',') || '-'}  ${v.file}  ${v.object}  ${v.field}`;
  if (report.violations.length) {
    lines.push('Violations (rule  cluster  file  object  field: problem. fix):');
    for (const v of report.violations) lines.push(`  ${where(v)}: ${v.message}. Fix: ${v.hint}`);
    lines.push('');
  }
  if (report.allowed.length) {
    lines.push("Allowed by the components' exemptions:");
    for (const a of report.allowed) lines.push(`  ${where(a)}: ${a.message}. Reason: ${a.reason}`);
    lines.push('');
  }
  const count = (list: Violation[], rule: string) => String(list.filter((v) => v.rule === rule).length);
  const extra = [...new Set(report.violations.map((v) => v.rule))].filter((r) => !(r in rules));
  lines.push(
    ...table([
      ['rule', 'violations', 'allowed', 'rationale'],
      ...Object.entries(rules).map(([id, r]) => [
        id,
        count(report.violations, id),
        count(report.allowed, id),
        r.rationale,
      ]),
      ...extra.map((id) => [id, count(report.violations, id), '0', 'checked by the gate itself']),
    ]),
  );
  lines.push(
    '',
    report.violations.length
      ? `policy: FAILED with ${report.violations.length} violation(s)`
      : `policy: passed (${report.allowed.length} allowed by component exemptions)`,
  );
  return lines.join('\n');
}
