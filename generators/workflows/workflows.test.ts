// Workflow hygiene: actionlint over every workflow, every `npm run` a workflow calls exists, every action is pinned by
// digest (a local reusable workflow `./…` comes from the same commit).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { goTool } from '../go-tools';
import { repoRoot } from '../repo';

const WORKFLOW_DIR = join(repoRoot, '.github', 'workflows');

interface Workflow {
  file: string;
  text: string;
}

function repoWorkflows(): Workflow[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ file: `.github/workflows/${f}`, text: readFileSync(join(WORKFLOW_DIR, f), 'utf8') }));
}

function runScripts(workflow: Workflow): string[] {
  const jobs = (parse(workflow.text) as { jobs?: Record<string, { steps?: { run?: string }[] }> }).jobs ?? {};
  return Object.values(jobs).flatMap((job) => (job.steps ?? []).flatMap((step) => (step.run ? [step.run] : [])));
}

/** The package.json scripts a shell snippet runs: `npm run <name>`, `npm run-script <name>`, `npm test`. */
function npmScriptsIn(run: string): string[] {
  const named = [...run.matchAll(/\bnpm\s+(?:run|run-script)\s+(?:-{1,2}[\w-]+\s+)*([\w:.-]+)/g)].map((m) => m[1]!);
  const builtIn = [...run.matchAll(/\bnpm\s+(test|start|stop|restart)\b/g)].map((m) => m[1]!);
  return [...named, ...builtIn];
}

/** `file: npm run <name>` for each script a workflow runs that package.json does not define. */
function missingNpmScripts(workflows: Workflow[], scripts: Record<string, string>): string[] {
  return workflows.flatMap((w) =>
    runScripts(w)
      .flatMap(npmScriptsIn)
      .filter((name) => !(name in scripts))
      .map((name) => `${w.file}: npm run ${name}`),
  );
}

/** `uses:` references that are neither `owner/repo@<40-hex commit> # v<version>` nor a local `./` path. */
function unpinnedActions(workflow: Workflow): string[] {
  return workflow.text
    .split('\n')
    .filter((line) => /^\s*(?:-\s+)?uses:/.test(line))
    .filter((line) => !/uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+){0,2}\s*$/.test(line))
    .filter((line) => !/uses:\s+\.\/[\w./-]+\s*$/.test(line))
    .map((line) => `${workflow.file}: ${line.trim()}`);
}

/** shellcheck and pyflakes are off: actionlint would use them only where installed, so results would differ by machine. */
function actionlint(cwd: string, files: string[]): { status: number; output: string } {
  try {
    return {
      status: 0,
      output: execFileSync(goTool('actionlint'), ['-no-color', '-shellcheck=', '-pyflakes=', ...files], {
        cwd,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

const scripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

describe('actionlint', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'actionlint-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes on every workflow in .github/workflows', () => {
    const files = repoWorkflows().map((w) => w.file);
    expect(files).toEqual([
      '.github/workflows/image.yml',
      '.github/workflows/log-export-image.yml',
      '.github/workflows/pulumi-preview.yml',
      '.github/workflows/render-and-validate.yml',
      '.github/workflows/sample-service-image.yml',
      '.github/workflows/streaming-image.yml',
    ]);
    const result = actionlint(repoRoot, files);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails on a workflow with an unknown expression context and a shell injection', () => {
    mkdirSync(join(scratch, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(scratch, '.github', 'workflows', 'bad.yml'),
      'on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n      - run: echo "${{ nope.value }}"\n',
    );
    const result = actionlint(scratch, ['.github/workflows/bad.yml']);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/bad\.yml:6:.*"github\.event\.pull_request\.title" is potentially untrusted/);
    expect(result.output).toMatch(/bad\.yml:7:.*undefined variable "nope"/);
  });
});

describe('npm scripts the workflows run', () => {
  it('every `npm run …` in a workflow exists in package.json', () => {
    const called = repoWorkflows().flatMap(runScripts).flatMap(npmScriptsIn);
    expect(new Set(called)).toEqual(new Set(['gate', 'diff', 'test', 'image', 'pulumi-preview']));
    expect(missingNpmScripts(repoWorkflows(), scripts)).toEqual([]);
  });

  it('reports a script that package.json lacks, with the workflow file', () => {
    const workflow = {
      file: '.github/workflows/x.yml',
      text: 'jobs:\n  a:\n    steps:\n      - run: |\n          npm ci\n          npm run --silent lint:yaml && npm test\n',
    };
    expect(missingNpmScripts([workflow], { test: 'vitest' })).toEqual(['.github/workflows/x.yml: npm run lint:yaml']);
    expect(missingNpmScripts([workflow], {})).toEqual([
      '.github/workflows/x.yml: npm run lint:yaml',
      '.github/workflows/x.yml: npm run test',
    ]);
  });
});

describe('action pins', () => {
  it('every action is pinned by full commit digest with its version in a comment', () => {
    expect(repoWorkflows().flatMap(unpinnedActions)).toEqual([]);
  });

  it('reports tags, short digests, digests without a version comment and remote reusable workflows by tag', () => {
    const workflow = {
      file: 'w.yml',
      text: [
        '      - uses: actions/checkout@v5',
        '        uses: actions/setup-go@4469467 # v6.0.0',
        '      - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444',
        '      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
        '    uses: ./.github/workflows/image.yml',
        '    uses: acme/workflows/.github/workflows/image.yml@main',
      ].join('\n'),
    };
    expect(unpinnedActions(workflow)).toEqual([
      'w.yml: - uses: actions/checkout@v5',
      'w.yml: uses: actions/setup-go@4469467 # v6.0.0',
      'w.yml: - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444',
      'w.yml: uses: acme/workflows/.github/workflows/image.yml@main',
    ]);
  });
});

describe('the pull-request preview of bootstrap/aws', () => {
  interface Job {
    if?: string;
    permissions?: Record<string, string>;
    steps: { name?: string; run?: string; 'working-directory'?: string }[];
  }
  const workflow = () =>
    parse(readFileSync(join(WORKFLOW_DIR, 'pulumi-preview.yml'), 'utf8')) as {
      on: { pull_request: { paths: string[] } };
      permissions: Record<string, string>;
      jobs: Record<string, Job>;
    };
  const job = () => workflow().jobs.preview!;

  it('runs on pull requests that change bootstrap/aws or the model, nothing else', () => {
    expect(Object.keys(workflow().on)).toEqual(['pull_request']);
    expect(workflow().on.pull_request.paths).toEqual(
      expect.arrayContaining(['bootstrap/aws/**', 'generators/estate/**', 'generators/model.ts']),
    );
  });

  it('asks for an OIDC token in the preview job only, and only for pull requests of this repository', () => {
    expect(workflow().permissions).toEqual({ contents: 'read' });
    expect(job().permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job().if).toBe('${{ github.event.pull_request.head.repo.full_name == github.repository }}');
  });

  it('previews, never updates, and summarises the preview JSON with the flagging script', () => {
    const runs = job().steps.flatMap((s) => (s.run ? [s.run] : []));
    const pulumi = runs.flatMap((r) => [...r.matchAll(/\bpulumi (\w+)/g)].map((m) => m[1]));
    expect([...new Set(pulumi)].sort()).toEqual(['login', 'preview']);
    expect(runs.join('\n')).toMatch(/pulumi preview --stack "\$PREVIEW_STACK" --policy-pack policy .*--json/);
    expect(runs.join('\n')).toContain('npm run pulumi-preview -- summary "$RUNNER_TEMP/preview.json"');
    expect(runs.join('\n')).toContain('--summary "$GITHUB_STEP_SUMMARY"');
  });
});
