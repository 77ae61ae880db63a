// Throwaway Git repositories holding rendered output, for the change-summary tests and benchmark.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { toYaml } from '../layout';

export type Tree = Record<string, unknown[]>;

export interface FixtureRepo {
  root: string;
  git(...args: string[]): string;
  /** Replaces the rendered folders with `tree` (repo-relative path → the objects of that file). */
  write(tree: Tree): void;
  commit(message: string): void;
  remove(): void;
}

export function fixtureRepo(): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), 'diff-fixture-'));
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.com', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
  git('init', '--quiet', '--initial-branch=main');
  return {
    root,
    git,
    write(tree) {
      for (const dir of ['clusters', 'flux-system']) rmSync(join(root, dir), { recursive: true, force: true });
      for (const [path, objects] of Object.entries(tree)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), toYaml(objects));
      }
    },
    commit(message) {
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message);
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function deployment(
  namespace: string,
  name: string,
  opts: { replicas?: number; image?: string; selector?: Record<string, string> } = {},
) {
  const selector = opts.selector ?? { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: { containers: [{ name, image: opts.image ?? `ghcr.io/acme/${name}:1.0.0` }] },
      },
    },
  };
}

export function configMap(namespace: string, name: string, data: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function service(namespace: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}
