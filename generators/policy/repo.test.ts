import { describe, expect, it } from 'vitest';
import { estate } from '../estate/clusters';
import { repoRoot } from '../repo';
import { formatReport, loadPolicyInput, runPolicy } from './gate';
import { catalogue } from '../estate/catalogue';
import { allowListOf } from './allow-list';
import { chartsOf } from '../registries';

describe('the rendered repository', () => {
  it('passes the policy gate (npm run policy)', () => {
    const report = runPolicy(loadPolicyInput(repoRoot, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
    expect(report.violations, formatReport(report)).toEqual([]);
  });

  it('keeps the exemptions few and gives a reason for each', () => {
    const allowList = allowListOf(estate, catalogue);
    expect(allowList.length).toBeLessThanOrEqual(10);
    for (const entry of allowList) expect(entry.reason.length, `${entry.rule} ${entry.object}`).toBeGreaterThan(30);
  });
});
