import { describe, expect, it } from 'vitest';
import { estate } from '../clusters';
import { repoRoot } from '../repo';
import { allowList } from './allow-list';
import { formatReport, loadPolicyInput, runPolicy } from './gate';

describe('the rendered repository', () => {
  it('passes the policy gate (npm run policy)', () => {
    const report = runPolicy(loadPolicyInput(repoRoot, estate));
    expect(report.violations, formatReport(report)).toEqual([]);
  });

  it('keeps the allow-list short and gives a reason for each entry', () => {
    expect(allowList.length).toBeLessThanOrEqual(10);
    for (const entry of allowList) expect(entry.reason.length, `${entry.rule} ${entry.object}`).toBeGreaterThan(30);
  });
});
