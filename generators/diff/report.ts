// Markdown for the change summary: a bounded version for the pull request's job summary and a complete one for the
// artifact.
import type { ClusterChanges, FieldChange } from './changes';

export interface ReportLimits {
  /** Characters of per-object detail before the rest is left to the full report. */
  detailBudget: number;
  /** Field changes shown per changed object. */
  fieldsPerObject: number;
  /** Characters shown of each before/after value. */
  valueWidth: number;
}

/** Keeps the job summary well under GitHub's 1 MiB limit and readable: ≈ 60 KB at most. */
export const SUMMARY_LIMITS: ReportLimits = { detailBudget: 40_000, fieldsPerObject: 12, valueWidth: 80 };
export const FULL_LIMITS: ReportLimits = { detailBudget: Infinity, fieldsPerObject: Infinity, valueWidth: Infinity };
/** Risky changes are never cut by the detail budget, but their list is bounded too. */
const RISKS_SHOWN = 100;

export interface ReportOptions {
  /** How the base is named in the title, e.g. `origin/main (1a2b3c4d5e6f)`. */
  base: string;
  limits: ReportLimits;
  /** Where the complete report goes, named when the detail is truncated. */
  fullReportName?: string;
}

function show(value: unknown, width: number): string {
  if (value === undefined) return '∅';
  const text = JSON.stringify(value);
  return text.length > width ? `${text.slice(0, width)}…` : text;
}

function fieldLine(f: FieldChange, width: number): string {
  if (f.before === undefined) return `+ ${f.path}: ${show(f.after, width)}`;
  if (f.after === undefined) return `- ${f.path}: ${show(f.before, width)}`;
  return `~ ${f.path}: ${show(f.before, width)} → ${show(f.after, width)}`;
}

function hasChanges(c: ClusterChanges): boolean {
  return c.added.length + c.changed.length + c.removed.length > 0;
}

interface Block {
  text: string;
  /** Whether the block is one object's entry (headings are not). */
  entry: boolean;
}

/** Detail for one cluster as blocks; truncation drops whole blocks, so it never cuts an object in half. */
function clusterBlocks(c: ClusterChanges, limits: ReportLimits): Block[] {
  const heading = (text: string): Block => ({ text, entry: false });
  const entry = (text: string): Block => ({ text, entry: true });
  const blocks = [heading(`\n### ${c.cluster}\n`)];
  if (c.added.length) blocks.push(heading('**Added**\n'), ...c.added.map((ref) => entry(`- \`${ref}\`\n`)));
  if (c.removed.length) blocks.push(heading('**Removed**\n'), ...c.removed.map((ref) => entry(`- \`${ref}\`\n`)));
  if (c.changed.length) blocks.push(heading('**Changed**\n'));
  for (const { ref, fields } of c.changed) {
    const shown = fields.slice(0, limits.fieldsPerObject).map((f) => fieldLine(f, limits.valueWidth));
    if (fields.length > shown.length) shown.push(`… ${fields.length - shown.length} more field changes`);
    blocks.push(entry(`- \`${ref}\`\n  \`\`\`diff\n${shown.map((l) => `  ${l}\n`).join('')}  \`\`\`\n`));
  }
  return blocks;
}

export function renderReport(changes: ClusterChanges[], options: ReportOptions): string {
  const { limits } = options;
  const out: string[] = [`## Change summary against ${options.base}\n\n`];
  if (!changes.some(hasChanges)) return `${out[0]}No cluster receives any change.\n`;

  out.push('| cluster | added | changed | removed | risky |\n|---|---:|---:|---:|---:|\n');
  for (const c of changes)
    out.push(`| ${c.cluster} | ${c.added.length} | ${c.changed.length} | ${c.removed.length} | ${c.risks.length} |\n`);

  const risks = changes.flatMap((c) => c.risks.map((r) => ({ cluster: c.cluster, ...r })));
  if (risks.length) {
    out.push('\n### ⚠️ Risky changes\n\n');
    for (const r of risks.slice(0, RISKS_SHOWN)) out.push(`- **${r.cluster}** \`${r.ref}\`: ${r.reason}\n`);
    if (risks.length > RISKS_SHOWN) out.push(`- … ${risks.length - RISKS_SHOWN} more risky changes\n`);
  }

  const blocks = changes.filter(hasChanges).flatMap((c) => clusterBlocks(c, limits));
  let budget = limits.detailBudget;
  let shown = 0;
  for (const block of blocks) {
    if (block.text.length > budget) break;
    budget -= block.text.length;
    out.push(block.text);
    shown++;
  }
  const omitted = blocks.slice(shown).filter((b) => b.entry).length;
  if (omitted) {
    out.push(
      `\n_Detail truncated: ${omitted} more objects${options.fullReportName ? ` are in ${options.fullReportName}` : ''}._\n`,
    );
  }
  return out.join('');
}
