// `npm run failover`: on a copy of the model file and clusters/, moving the primary site changes exactly the
// promotion and demotion objects, and a failback restores the committed output byte for byte.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import { failover, withPrimarySite } from './failover';
import type { Estate } from './model';
import { MODEL_FILE } from './model-check';
import { repoRoot } from './repo';

function copyOfRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'failover-'));
  mkdirSync(dirname(join(root, MODEL_FILE)), { recursive: true });
  cpSync(join(repoRoot, MODEL_FILE), join(root, MODEL_FILE));
  cpSync(join(repoRoot, 'clusters'), join(root, 'clusters'), { recursive: true });
  return root;
}

const tree = (root: string) =>
  Object.fromEntries(
    readdirSync(join(root, 'clusters'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.md'))
      .sort()
      .map((f) => [f, readFileSync(join(root, 'clusters', f), 'utf8')]),
  );

const summary = (changes: ReturnType<typeof failover>['changes']) =>
  Object.fromEntries(
    changes
      .filter((c) => c.added.length + c.changed.length + c.removed.length > 0)
      .map((c) => [
        c.cluster,
        {
          added: c.added,
          changed: c.changed.map((o) => [o.ref, o.fields.map((f) => f.path)]),
          removed: c.removed,
          risks: c.risks,
        },
      ]),
  );

describe('npm run failover', () => {
  it('promotes aws and demotes onprem: the database on both sites and the daily backup, nothing else', () => {
    const root = copyOfRepo();
    const committed = tree(root);
    const result = failover(root, estate, catalogue, 'aws');
    expect([result.from, result.to]).toEqual(['onprem', 'aws']);
    expect(readFileSync(join(root, MODEL_FILE), 'utf8')).toContain("primarySite: 'aws',");
    const cluster = 'Cluster/task-tracker/task-tracker-db';
    const fields = ['spec.bootstrap.initdb', 'spec.bootstrap.recovery', 'spec.replica.primary'];
    expect(summary(result.changes)).toEqual({
      aws: {
        added: ['ScheduledBackup/task-tracker/task-tracker-db-daily'],
        changed: [[cluster, fields]],
        removed: [],
        risks: [],
      },
      onprem: {
        added: [],
        changed: [[cluster, fields]],
        removed: ['ScheduledBackup/task-tracker/task-tracker-db-daily'],
        risks: [],
      },
    });

    // Failing back, from the failed-over model, gives the committed output again.
    const failedOver: Estate = { ...estate, database: { ...estate.database!, primarySite: 'aws' } };
    failover(root, failedOver, catalogue, 'onprem');
    expect(tree(root)).toEqual(committed);
    expect(readFileSync(join(root, MODEL_FILE), 'utf8')).toBe(readFileSync(join(repoRoot, MODEL_FILE), 'utf8'));
  });

  it('refuses an unknown site or the current primary, and writes nothing', () => {
    const root = copyOfRepo();
    const committed = tree(root);
    expect(() => failover(root, estate, catalogue, 'mars')).toThrow(
      '--to mars: no such cluster; use one of aws, onprem',
    );
    expect(() => failover(root, estate, catalogue, 'onprem')).toThrow('onprem is already the primary site');
    expect(tree(root)).toEqual(committed);
  });

  it('edits exactly the one primarySite line of the model file', () => {
    const text = "  database: {\n    primarySite: 'onprem',\n    backups: {},\n";
    expect(withPrimarySite(text, 'aws')).toBe("  database: {\n    primarySite: 'aws',\n    backups: {},\n");
    expect(() => withPrimarySite(`${text}${text}`, 'aws')).toThrow('found 2');
    expect(() => withPrimarySite('primarySite: "onprem",', 'aws')).toThrow('found 0');
  });
});
