// The images of generators/images.ts cannot be built here (no Docker), so their promises are checked on text: what a
// Dockerfile builds from comes from generators/versions.ts, the binary is static, the image runs as a numeric non-root
// user without a shell, only the Go module goes into the build context, and a workflow builds and releases each image.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogue } from './estate/catalogue';
import {
  buildArgs,
  buildVersion,
  dockerfileProblems,
  findImage,
  githubOutput,
  imageReference,
  type ContainerImage,
} from './images';
import { imagesOf } from './registries';
import { repoRoot } from './repo';
import { versions } from './versions';

const IMAGES = imagesOf(catalogue);
const image = (name: string) => findImage(IMAGES, name);
const read = (i: ContainerImage, file: string) => readFileSync(join(repoRoot, i.context, file), 'utf8');
const contextEntries = (i: ContainerImage) =>
  read(i, '.dockerignore')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));

function goSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? goSources(join(dir, e.name))
      : e.name.endsWith('.go') && !e.name.endsWith('_test.go')
        ? [join(dir, e.name)]
        : [],
  );
}

interface WorkflowFile {
  file: string;
  text: string;
}
interface CallerWorkflow {
  on?: { push?: { tags?: string[]; paths?: string[] }; pull_request?: { paths?: string[] } };
  jobs?: Record<string, { uses?: string; with?: { image?: string } }>;
}
const REUSABLE = './.github/workflows/go-image.yml';

/** Images that no workflow builds through go-image.yml on their release tags and changes, and calls of unknown images. */
function imageWorkflowProblems(workflows: WorkflowFile[], images: readonly ContainerImage[]): string[] {
  const calls = workflows.flatMap(({ file, text }) => {
    const w = parse(text) as CallerWorkflow;
    return Object.values(w.jobs ?? {})
      .filter((j) => j.uses === REUSABLE)
      .map((j) => ({ file, image: j.with?.image ?? '', on: w.on ?? {} }));
  });
  const problems = calls
    .filter((c) => !images.some((i) => i.name === c.image))
    .map((c) => `${c.file}: builds unknown image "${c.image}"`);
  for (const i of images) {
    const call = calls.find((c) => c.image === i.name);
    if (!call) {
      problems.push(`${i.name}: no workflow calls ${REUSABLE} with image: ${i.name}`);
      continue;
    }
    if (!call.on.push?.tags?.includes(`${i.name}/v*`)) problems.push(`${call.file}: push.tags lacks '${i.name}/v*'`);
    for (const event of ['push', 'pull_request'] as const) {
      if (!call.on[event]?.paths?.includes(`${i.context}/**`))
        problems.push(`${call.file}: ${event}.paths lacks '${i.context}/**'`);
    }
  }
  return problems;
}

const workflowDir = join(repoRoot, '.github', 'workflows');
const repoWorkflows = readdirSync(workflowDir)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => ({ file: `.github/workflows/${f}`, text: readFileSync(join(workflowDir, f), 'utf8') }));

describe.each(IMAGES.map((i) => [i.name, i] as const))('image %s', (_, i) => {
  it('has a Dockerfile that follows the rules', () => {
    expect(dockerfileProblems(i, read(i, 'Dockerfile'))).toEqual([]);
  });

  it('is released as a pinned semver tag of its repository', () => {
    expect(imageReference(i)).toMatch(/^ghcr\.io\/acme\/[a-z-]+:\d+\.\d+\.\d+$/);
  });

  it('sends only the Go module, without tests, to the build context, and all of its Go sources', () => {
    const entries = contextEntries(i);
    expect(entries[0]).toBe('*');
    expect(entries.at(-1)).toBe('**/*_test.go');
    const included = entries.filter((e) => e.startsWith('!')).map((e) => e.slice(1));
    expect(included).toEqual(expect.arrayContaining(['go.mod', 'go.sum']));
    for (const entry of included)
      expect(existsSync(join(repoRoot, i.context, entry)), `${i.context}/.dockerignore: ${entry}`).toBe(true);
    const dir = join(repoRoot, i.context);
    const outside = goSources(dir)
      .map((f) => relative(dir, f))
      .filter((f) => !included.some((e) => f === e || (e.endsWith('/') && f.startsWith(e))));
    expect(outside).toEqual([]);
  });

  it("builds with a Go no older than its module's go directive", () => {
    const [, builderMinor] = versions.goBuilderImage.match(/^golang:\d+\.(\d+)\.\d+-/) ?? [];
    const [, moduleMinor] = read(i, 'go.mod').match(/^go 1\.(\d+)(?:\.\d+)?$/m) ?? [];
    expect(Number(builderMinor)).toBeGreaterThanOrEqual(Number(moduleMinor));
  });
});

describe('the Dockerfile rules', () => {
  const taskTracker = image('task-tracker');
  const dockerfile = read(taskTracker, 'Dockerfile');

  it.each([
    [
      'a pinned base image written into the Dockerfile',
      (d: string) => d.replace('FROM ${RUNTIME_IMAGE}', 'FROM gcr.io/distroless/static-debian12:latest'),
      /does not take its image from a build argument/,
    ],
    [
      'a default on an ARG',
      (d: string) => d.replace('ARG BUILDER_IMAGE', 'ARG BUILDER_IMAGE=golang:1.26'),
      /has a default/,
    ],
    [
      'an ARG that buildArgs() does not pass',
      (d: string) => d.replace('ARG VERSION', 'ARG VERSION\nARG GOPROXY'),
      /declares ARGs .*GOPROXY.*not those of buildArgs/,
    ],
    ['a root user', (d: string) => d.replace('USER 65532:65532', 'USER root'), /USER 65532:65532/],
    [
      'a RUN in the final stage',
      (d: string) => d.replace('USER 65532:65532', 'RUN ["/task-tracker", "--help"]\nUSER 65532:65532'),
      /needs a shell/,
    ],
    ['cgo left on', (d: string) => d.replace('CGO_ENABLED=0 ', ''), /CGO_ENABLED=0/],
    [
      'a shell-form entrypoint',
      (d: string) => d.replace('ENTRYPOINT ["/task-tracker"]', 'ENTRYPOINT /task-tracker'),
      /ENTRYPOINT is not the exec form of \/task-tracker/,
    ],
  ])('reject %s, naming the Dockerfile', (_, mutate, problem) => {
    const problems = dockerfileProblems(taskTracker, mutate(dockerfile));
    expect(problems.join('\n')).toMatch(problem);
    expect(problems.every((p) => p.startsWith('apps/task-tracker/Dockerfile '))).toBe(true);
  });

  it("reject another image's entrypoint", () => {
    expect(dockerfileProblems(image('otelcol-log-export'), dockerfile).join('\n')).toMatch(
      /ENTRYPOINT is not the exec form of \/otelcol-log-export/,
    );
  });
});

describe('build arguments and versions', () => {
  const logExport = image('otelcol-log-export');

  it('come from generators/versions.ts', () => {
    expect(buildArgs(logExport, '0123abc')).toEqual({
      BUILDER_IMAGE: versions.goBuilderImage,
      RUNTIME_IMAGE: versions.goRuntimeImage,
      VERSION: versions.otelCollector,
      REVISION: '0123abc',
    });
    expect(imageReference(image('task-tracker'))).toBe(`ghcr.io/acme/task-tracker:${versions.taskTracker.tag}`);
    expect(imageReference(logExport)).toBe(`ghcr.io/acme/otelcol-log-export:${versions.otelCollector}`);
    expect(versions.goBuilderImage).toMatch(/^golang:\d+\.\d+\.\d+-/);
    expect(versions.goRuntimeImage).toMatch(/^gcr\.io\/distroless\/static-/);
  });

  it('take the version from a release tag of the image, else the pinned tag', () => {
    expect(buildVersion(logExport, { type: 'tag', name: 'otelcol-log-export/v0.129.1' })).toBe('0.129.1');
    expect(buildVersion(logExport, { type: 'branch', name: 'main' })).toBe(versions.otelCollector);
    expect(() => buildVersion(logExport, { type: 'tag', name: 'task-tracker/v1.2.3' })).toThrow(
      /tag task-tracker\/v1\.2\.3: .* otelcol-log-export\/v<major>/,
    );
    expect(() => buildVersion(logExport, { type: 'tag', name: 'otelcol-log-export/v1.2' })).toThrow(
      /must be otelcol-log-export\/v<major>\.<minor>\.<patch>/,
    );
  });

  it('become the step outputs of the image workflow', () => {
    expect(
      githubOutput(logExport, {
        GITHUB_REF_TYPE: 'tag',
        GITHUB_REF_NAME: 'otelcol-log-export/v0.129.1',
        GITHUB_SHA: 'abc',
      }).split('\n'),
    ).toEqual([
      'context=platform/log-export/collector',
      'tag=ghcr.io/acme/otelcol-log-export:0.129.1',
      'build-args<<END_OF_ARGS',
      `BUILDER_IMAGE=${versions.goBuilderImage}`,
      `RUNTIME_IMAGE=${versions.goRuntimeImage}`,
      'VERSION=0.129.1',
      'REVISION=abc',
      'END_OF_ARGS',
    ]);
  });

  it('reject an unknown image, naming the known ones', () => {
    expect(() => image('otelcol')).toThrow(
      'no image "otelcol" is declared by a component (known: otelcol-log-export, task-tracker)',
    );
  });
});

describe('image workflows', () => {
  it('build and release every image through go-image.yml on its tags and changes', () => {
    expect(imageWorkflowProblems(repoWorkflows, IMAGES)).toEqual([]);
  });

  it('report an image without a workflow, missing triggers and an unknown image', () => {
    const workflow = (image: string, tags: string, paths: string) =>
      `on:\n  push:\n    tags: ['${tags}']\n    paths: ['${paths}']\n  pull_request:\n    paths: ['${paths}']\njobs:\n  image:\n    uses: ${REUSABLE}\n    with:\n      image: ${image}\n`;
    expect(
      imageWorkflowProblems(
        [{ file: 'a.yml', text: workflow('task-tracker', 'task-tracker/v*', 'apps/task-tracker/**') }],
        IMAGES,
      ),
    ).toEqual([`otelcol-log-export: no workflow calls ${REUSABLE} with image: otelcol-log-export`]);
    expect(
      imageWorkflowProblems(
        [{ file: 'b.yml', text: workflow('task-tracker', 'v*', 'apps/**') }],
        [image('task-tracker')],
      ),
    ).toEqual([
      "b.yml: push.tags lacks 'task-tracker/v*'",
      "b.yml: push.paths lacks 'apps/task-tracker/**'",
      "b.yml: pull_request.paths lacks 'apps/task-tracker/**'",
    ]);
    expect(imageWorkflowProblems([{ file: 'c.yml', text: workflow('nope', 'nope/v*', 'x/**') }], [])).toEqual([
      'c.yml: builds unknown image "nope"',
    ]);
  });
});
