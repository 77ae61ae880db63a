// Repo check: a federation scrape (a ScrapeConfig of /federate) must honour the source's labels and select series by
// exact name, so only aggregates cross the VPN and their `cluster` label survives.
import type { CheckProblem, RepoCheck } from '../../generators/validate/checks';
import { objectRef, type ManifestDoc } from '../../generators/manifests';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

/** Why a `match[]` selector is not narrow, or undefined when it names its series exactly. */
export function catchAllReason(selector: string): string | undefined {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s.exec(selector);
  if (!m || (!m[1] && m[2] === undefined)) return 'is not a series selector';
  if (m[1]) return undefined;
  const matchers = (m[2] ?? '').split(',').filter((part) => part.trim() !== '');
  for (const matcher of matchers) {
    const parsed = MATCHER.exec(matcher);
    if (!parsed) return `has a matcher that cannot be read: ${matcher.trim()}`;
    const [, label, op, value] = parsed;
    if (label !== '__name__') continue;
    if (op === '=' && METRIC_NAME.test(value!)) return undefined;
    if (op === '=~' && value!.split('|').every((name) => METRIC_NAME.test(name))) return undefined;
  }
  return 'does not name its series exactly (use `name`, {__name__="name"} or {__name__=~"a|b"}), so it federates everything it matches';
}

/** The series names an exact selector (one `catchAllReason` accepts) selects. */
function selectedNames(selector: string): string[] {
  const bare = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(selector);
  if (bare) return [bare[1]!];
  const byName = /__name__\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"/.exec(selector);
  return byName ? byName[2]!.split('|') : [];
}

function federationProblems(doc: ManifestDoc): CheckProblem[] {
  const { object } = doc;
  const spec = (object.spec ?? {}) as { metricsPath?: string; honorLabels?: boolean; params?: Record<string, unknown> };
  if (spec.metricsPath !== '/federate') return [];
  const problems: CheckProblem[] = [];
  const problem = (path: string, message: string) =>
    problems.push({ file: doc.file, index: doc.index, object: objectRef(object), path, message });
  if (spec.honorLabels !== true) {
    problem(
      'spec.honorLabels',
      "a federation scrape must set honorLabels: true, or the source's job, instance and cluster labels are overwritten",
    );
  }
  const matchers = spec.params?.['match[]'];
  if (!Array.isArray(matchers) || matchers.length === 0) {
    problem('spec.params.match[]', 'a federation scrape needs match[] selectors naming the series that may cross');
    return problems;
  }
  matchers.forEach((selector, i) => {
    const reason = typeof selector === 'string' ? catchAllReason(selector) : 'is not a string';
    if (reason) problem(`spec.params.match[][${i}]`, `${JSON.stringify(selector)} ${reason}`);
    const raw = reason ? [] : selectedNames(selector as string).filter((name) => !name.includes(':'));
    if (raw.length) {
      problem(
        `spec.params.match[][${i}]`,
        `${JSON.stringify(selector)} federates raw series ${raw.join(', ')}: only recorded aggregates ` +
          "(level:metric:operations, labelled with their cluster) may cross, or the source's series answer the " +
          'central cluster\'s own alerts (a federated up{job="apiserver"} hides a local outage)',
      );
    }
  });
  return problems;
}

export const federationScrapeCheck: RepoCheck = {
  name: 'federation-scrape',
  run: (docs) =>
    docs
      .filter((d) => d.object.kind === 'ScrapeConfig' && d.object.apiVersion?.startsWith('monitoring.coreos.com/'))
      .flatMap(federationProblems),
};
