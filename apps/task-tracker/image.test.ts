// The Dockerfile cannot be built here (no Docker), so its promises are checked on its text: what it builds from comes
// from generators/versions.ts, the binary is static, and the image runs as a numeric non-root user without a shell.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';
import { buildArgs, IMAGE } from './image';

const dir = join(repoRoot, 'apps', 'task-tracker');
const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');

/** What is wrong with a Dockerfile text, by the rules this image follows. */
function dockerfileProblems(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const froms = lines.filter((l) => l.startsWith('FROM '));
  const problems: string[] = [];
  if (froms.length < 2) problems.push('is not multi-stage');
  for (const from of froms) {
    if (!/^FROM (--platform=\$\{BUILDPLATFORM\} )?\$\{[A-Z_]+\}( AS \w+)?$/.test(from)) problems.push(`"${from}" does not take its image from a build argument`);
  }
  // BuildKit sets the TARGET* platform arguments itself.
  const declared = lines.filter((l) => l.startsWith('ARG ') && !l.startsWith('ARG TARGET')).map((l) => l.slice(4).trim());
  if (declared.some((arg) => arg.includes('='))) problems.push('an ARG has a default, which would be a second place for a version');
  if (declared.sort().join() !== Object.keys(buildArgs('x')).sort().join()) problems.push(`declares ARGs ${declared.join(', ')}, not those of buildArgs()`);
  if (!lines.some((l) => /^RUN CGO_ENABLED=0 .*go build /.test(l))) problems.push('does not build with CGO_ENABLED=0');
  const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)!));
  if (!finalStage.includes('USER 65532:65532')) problems.push('final stage does not run as USER 65532:65532');
  if (finalStage.some((l) => l.startsWith('RUN ') || l.startsWith('SHELL '))) problems.push('final stage runs commands, so it needs a shell');
  if (!finalStage.some((l) => /^ENTRYPOINT \["\/task-tracker"\]$/.test(l))) problems.push('ENTRYPOINT is not the exec form of /task-tracker');
  if (/:latest\b/.test(text)) problems.push('mentions a latest tag');
  return problems;
}

describe('task-tracker image', () => {
  it('has a Dockerfile that follows the rules', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it.each([
    ['a pinned base image written into the Dockerfile', (d: string) => d.replace('FROM ${RUNTIME_IMAGE}', 'FROM gcr.io/distroless/static-debian12:latest'), /does not take its image from a build argument/],
    ['a default on an ARG', (d: string) => d.replace('ARG BUILDER_IMAGE', 'ARG BUILDER_IMAGE=golang:1.26'), /has a default/],
    ['a root user', (d: string) => d.replace('USER 65532:65532', 'USER root'), /USER 65532:65532/],
    ['a RUN in the final stage', (d: string) => d.replace('USER 65532:65532', 'RUN ["/task-tracker", "--help"]\nUSER 65532:65532'), /needs a shell/],
    ['cgo left on', (d: string) => d.replace('CGO_ENABLED=0 ', ''), /CGO_ENABLED=0/],
  ])('would reject %s', (_, mutate, problem) => {
    expect(dockerfileProblems(mutate(dockerfile)).join('\n')).toMatch(problem);
  });

  it('builds from the images and version pinned in generators/versions.ts', () => {
    expect(buildArgs('0123abc')).toEqual({
      BUILDER_IMAGE: versions.taskTracker.builderImage,
      RUNTIME_IMAGE: versions.taskTracker.runtimeImage,
      VERSION: versions.taskTracker.tag,
      REVISION: '0123abc',
    });
    expect(versions.taskTracker.builderImage).toMatch(/^golang:\d+\.\d+\.\d+-/);
    expect(versions.taskTracker.runtimeImage).toMatch(/^gcr\.io\/distroless\/static-/);
    expect(IMAGE).toMatch(/^ghcr\.io\/acme\/task-tracker:\d+\.\d+\.\d+$/);
    expect(readFileSync(join(dir, 'go.mod'), 'utf8')).toMatch(new RegExp(`^go ${versions.taskTracker.builderImage.match(/(\d+\.\d+)\./)![1]}\\.`, 'm'));
  });

  it('sends only the Go module, without tests, to the build context', () => {
    const ignore = readFileSync(join(dir, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(['*', '!go.mod', '!go.sum', '!cmd/', '!internal/', '**/*_test.go']);
  });
});
