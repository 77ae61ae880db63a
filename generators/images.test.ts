// The images of generators/images.ts cannot be built here (no Docker), so their promises are checked on text: what a
// Dockerfile builds from comes from generators/versions.ts, a Go binary is static, a JVM image runs its main class,
// the image runs as a numeric non-root user without a shell, only the module's build inputs go into the build context,
// and a workflow builds and releases each image.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import {
  buildArgs,
  buildVersion,
  clusterImageReference,
  clusterRepository,
  dockerfileProblems,
  ecrTarget,
  findImage,
  githubOutput,
  imageReference,
  type ContainerImage,
} from './images';
import type { AwsCluster, Cluster } from './model';
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
const REUSABLE = './.github/workflows/image.yml';

/** Images that no workflow builds through image.yml on their release tags and changes, and calls of unknown images. */
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

const ASSUME_ROLE = './.github/actions/assume-aws-role';
interface ImageJob {
  permissions?: Record<string, string>;
  steps: { name?: string; if?: string; uses?: string; run?: string; with?: Record<string, string> }[];
}

/** What keeps a release from reaching ECR through the push role as well as GHCR, in image.yml's text. */
function ecrPushProblems(text: string): string[] {
  const job = (parse(text) as { jobs: Record<string, ImageJob> }).jobs.image!;
  const problems: string[] = [];
  if (job.permissions?.['id-token'] !== 'write') problems.push('the image job cannot ask for an OIDC token');
  const onEcrTag = "github.ref_type == 'tag' && needs.spec.outputs.ecr-tag != ''";
  const assume = job.steps.find((s) => s.uses === ASSUME_ROLE);
  if (assume?.if !== onEcrTag || assume.with?.['role-arn'] !== '${{ needs.spec.outputs.ecr-role }}')
    problems.push(`no step assumes the push role through ${ASSUME_ROLE} on a release tag with an ECR target`);
  const login = job.steps.find((s) => s.run?.includes('docker login'));
  if (login?.if !== onEcrTag || !/aws ecr get-login-password .*--password-stdin "\$ECR_REGISTRY"/.test(login.run!))
    problems.push('no step logs in to the ECR registry with the assumed role on a release tag');
  const build = job.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
  if (!build?.with?.tags?.includes('${{ needs.spec.outputs.ecr-tag }}'))
    problems.push('the build does not tag for ECR');
  if (job.steps.indexOf(build!) < job.steps.indexOf(login!)) problems.push('the build pushes before the ECR login');
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

  it.runIf(i.builder === 'go')(
    'sends only the Go module, without tests, to the build context, and all of its Go sources',
    () => {
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
    },
  );

  it.runIf(i.builder === 'go')("builds with a Go no older than its module's go directive", () => {
    const [, builderMinor] = versions.goBuilderImage.match(/^golang:\d+\.(\d+)\.\d+-/) ?? [];
    const [, moduleMinor] = read(i, 'go.mod').match(/^go 1\.(\d+)(?:\.\d+)?$/m) ?? [];
    expect(Number(builderMinor)).toBeGreaterThanOrEqual(Number(moduleMinor));
  });

  it.runIf(i.builder === 'maven')('sends only pom.xml and the main sources to the build context', () => {
    expect(contextEntries(i)).toEqual(['*', '!pom.xml', '!src/main/', 'src/test/']);
  });

  it.runIf(i.builder === 'maven')("builds and runs on the JDK major of its pom's maven.compiler.release", () => {
    const [, release] = read(i, 'pom.xml').match(/<maven\.compiler\.release>(\d+)</) ?? [];
    expect(versions.mavenBuilderImage).toMatch(new RegExp(`-eclipse-temurin-${release}$`));
    expect(versions.jvmRuntimeImage).toMatch(new RegExp(`/java${release}-debian12:`));
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

describe('the Dockerfile rules of a Maven-built JVM image', () => {
  const taskStream = image('task-stream');
  const dockerfile = read(taskStream, 'Dockerfile');

  it('hold for the stream job, which builds from the Maven and JVM pins', () => {
    expect(dockerfileProblems(taskStream, dockerfile)).toEqual([]);
    expect(buildArgs(taskStream, 'abc')).toEqual({
      BUILDER_IMAGE: versions.mavenBuilderImage,
      RUNTIME_IMAGE: versions.jvmRuntimeImage,
      VERSION: versions.taskStream.tag,
      REVISION: 'abc',
    });
  });

  it.each([
    [
      'a base image written into the Dockerfile',
      (d: string) => d.replace('FROM ${RUNTIME_IMAGE}', 'FROM gcr.io/distroless/java17-debian12:latest'),
      /does not take its image from a build argument/,
    ],
    ['a root user', (d: string) => d.replace('USER 65532:65532', 'USER 0'), /USER 65532:65532/],
    [
      'a build that runs the tests (or is interactive)',
      (d: string) => d.replace(' -Dmaven.test.skip=true package', ' package'),
      /does not build with `mvn -B/,
    ],
    [
      'a jar entrypoint in place of the main class',
      (d: string) => d.replace(/ENTRYPOINT .*/, 'ENTRYPOINT ["/usr/bin/java", "-jar", "/app/task-aggregates.jar"]'),
      /ENTRYPOINT is not the exec form of \/usr\/bin\/java … com\.acme\.streaming\.Main/,
    ],
    [
      'a shell-form entrypoint',
      (d: string) => d.replace(/ENTRYPOINT .*/, 'ENTRYPOINT java -cp /app/lib/* com.acme.streaming.Main'),
      /ENTRYPOINT is not the exec form/,
    ],
  ])('reject %s, naming the Dockerfile', (_, mutate, problem) => {
    const problems = dockerfileProblems(taskStream, mutate(dockerfile));
    expect(problems.join('\n')).toMatch(problem);
    expect(problems.every((p) => p.startsWith('platform/streaming/job/Dockerfile '))).toBe(true);
  });

  it('reject a Go Dockerfile for the Maven image', () => {
    expect(dockerfileProblems(taskStream, read(image('task-tracker'), 'Dockerfile')).join('\n')).toMatch(
      /does not build with `mvn -B/,
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

  it("follow each cluster's registry: the aws account's ECR, or the image's GHCR repository", () => {
    const aws = estate.clusters.find((c) => c.name === 'aws') as AwsCluster;
    const onprem = estate.clusters.find((c) => c.name === 'onprem')!;
    expect(clusterImageReference(logExport, aws)).toBe(
      `111122223333.dkr.ecr.eu-central-1.amazonaws.com/otelcol-log-export:${versions.otelCollector}`,
    );
    expect(clusterImageReference(logExport, onprem)).toBe(imageReference(logExport));
    expect(clusterImageReference(logExport, { ...aws, registry: 'ghcr' })).toBe(imageReference(logExport));
    expect(clusterRepository(logExport, { ...aws, accountId: '999988887777', region: 'us-east-1' })).toBe(
      '999988887777.dkr.ecr.us-east-1.amazonaws.com/otelcol-log-export',
    );
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

  const tagged = { GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'otelcol-log-export/v0.129.1', GITHUB_SHA: 'abc' };

  it('become the step outputs of the image workflow, with the ECR of the cluster that pulls from it', () => {
    expect(githubOutput(logExport, tagged, estate.clusters).split('\n')).toEqual([
      'context=platform/log-export/collector',
      'builder=go',
      'tag=ghcr.io/acme/otelcol-log-export:0.129.1',
      'ecr-tag=111122223333.dkr.ecr.eu-central-1.amazonaws.com/otelcol-log-export:0.129.1',
      'ecr-registry=111122223333.dkr.ecr.eu-central-1.amazonaws.com',
      'ecr-region=eu-central-1',
      'ecr-role=arn:aws:iam::111122223333:role/aws-image-push',
      'build-args<<END_OF_ARGS',
      `BUILDER_IMAGE=${versions.goBuilderImage}`,
      `RUNTIME_IMAGE=${versions.goRuntimeImage}`,
      'VERSION=0.129.1',
      'REVISION=abc',
      'END_OF_ARGS',
    ]);
  });

  it('push to GHCR alone when no cluster pulls from ECR, and refuse two ECR clusters', () => {
    const ghcrOnly = estate.clusters.map((c) => ({ ...c, registry: 'ghcr' }) as Cluster);
    expect(ecrTarget(logExport, ghcrOnly)).toBeUndefined();
    expect(githubOutput(logExport, tagged, ghcrOnly)).toContain('ecr-tag=\necr-registry=\necr-region=\necr-role=\n');
    const aws = estate.clusters.find((c) => c.name === 'aws')!;
    expect(() => ecrTarget(logExport, [aws, { ...aws, name: 'aws-2' }])).toThrow(
      'generators/estate/clusters.ts: clusters aws, aws-2 all pull from ECR; the image workflows push to one account',
    );
  });

  it('reject an unknown image, naming the known ones', () => {
    expect(() => image('otelcol')).toThrow(
      'no image "otelcol" is declared by a component (known: otelcol-log-export, task-stream, task-tracker)',
    );
  });
});

describe('image workflows', () => {
  it('build and release every image through image.yml on its tags and changes', () => {
    expect(imageWorkflowProblems(repoWorkflows, IMAGES)).toEqual([]);
  });

  it('push each release to ECR through the push role as well as to GHCR, and let the callers grant the token', () => {
    const text = readFileSync(join(workflowDir, 'image.yml'), 'utf8');
    expect(ecrPushProblems(text)).toEqual([]);
    for (const { file, text: caller } of repoWorkflows) {
      const jobs = Object.values((parse(caller) as CallerWorkflow & { jobs: Record<string, ImageJob> }).jobs ?? {});
      for (const job of jobs.filter((j) => (j as { uses?: string }).uses === REUSABLE))
        expect(job.permissions, file).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    }
  });

  it('report an ECR push without a token, role, login or tag', () => {
    const text = readFileSync(join(workflowDir, 'image.yml'), 'utf8');
    expect(ecrPushProblems(text.replace('      id-token: write\n', ''))).toEqual([
      'the image job cannot ask for an OIDC token',
    ]);
    expect(ecrPushProblems(text.replace(`uses: ${ASSUME_ROLE}`, 'uses: ./elsewhere'))).toEqual([
      `no step assumes the push role through ${ASSUME_ROLE} on a release tag with an ECR target`,
    ]);
    expect(ecrPushProblems(text.replace('--password-stdin "$ECR_REGISTRY"', '--password-stdin ghcr.io'))).toEqual([
      'no step logs in to the ECR registry with the assumed role on a release tag',
    ]);
    expect(ecrPushProblems(text.replace('            ${{ needs.spec.outputs.ecr-tag }}\n', ''))).toEqual([
      'the build does not tag for ECR',
    ]);
  });

  it('report an image without a workflow, missing triggers and an unknown image', () => {
    const workflow = (image: string, tags: string, paths: string) =>
      `on:\n  push:\n    tags: ['${tags}']\n    paths: ['${paths}']\n  pull_request:\n    paths: ['${paths}']\njobs:\n  image:\n    uses: ${REUSABLE}\n    with:\n      image: ${image}\n`;
    expect(
      imageWorkflowProblems(
        [{ file: 'a.yml', text: workflow('task-tracker', 'task-tracker/v*', 'apps/task-tracker/**') }],
        IMAGES,
      ),
    ).toEqual([
      `otelcol-log-export: no workflow calls ${REUSABLE} with image: otelcol-log-export`,
      `task-stream: no workflow calls ${REUSABLE} with image: task-stream`,
    ]);
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
