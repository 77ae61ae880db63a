// The container images built from this repo, by .github/workflows/image.yml: where each is built from, its
// reference, the docker build arguments that pin what its Dockerfile builds from, and the rules that Dockerfile follows
// (checked on its text: there is no Docker here). An image is built by one of the builders below: a static Go binary
// on distroless static, or a Maven-built JVM app on distroless Java. Components declare their images
// (`Component.images`); `npm run image` is the workflow's entry point.
import { irsaRoleArn } from './irsa';
import type { AwsCluster, Cluster } from './model';
import { versions } from './versions';

interface ImageBase {
  /** Also the prefix of the release tags: `<name>/v<semver>`. */
  name: string;
  repository: string;
  /** The released tag the clusters run. */
  tag: string;
  /** The module folder, relative to the repo root: the build context, holding Dockerfile and .dockerignore. */
  context: string;
}

/** A Go module (go.mod in the context) built into one static binary at the image's root, its entrypoint. */
export interface GoImage extends ImageBase {
  builder: 'go';
  binary: string;
}

/** A Maven project (pom.xml in the context) whose jars run on the JVM with `mainClass` as the entrypoint. */
export interface MavenImage extends ImageBase {
  builder: 'maven';
  mainClass: string;
}

export type ContainerImage = GoImage | MavenImage;
export type ImageBuilder = ContainerImage['builder'];

/** What each builder's Dockerfiles build from: its builder stage's image and its runtime image. */
export const BUILDER_IMAGES: Record<ImageBuilder, { builder: string; runtime: string }> = {
  go: { builder: versions.goBuilderImage, runtime: versions.goRuntimeImage },
  maven: { builder: versions.mavenBuilderImage, runtime: versions.jvmRuntimeImage },
};

/** The JVM of the distroless Java images (their own ENTRYPOINT is `java -jar`, which the Dockerfile replaces). */
export const JAVA = '/usr/bin/java';

/** The image named `name` among `images`. */
export function findImage(images: readonly ContainerImage[], name: string): ContainerImage {
  const found = images.find((i) => i.name === name);
  if (!found)
    throw new Error(`no image "${name}" is declared by a component (known: ${images.map((i) => i.name).join(', ')})`);
  return found;
}

export const imageReference = (i: ContainerImage, version = i.tag): string => `${i.repository}:${version}`;

/** The account's private registry in the cluster's region, from the model alone (no lookup at render time). */
export const ecrHost = (cluster: Pick<AwsCluster, 'accountId' | 'region'>): string =>
  `${cluster.accountId}.dkr.ecr.${cluster.region}.amazonaws.com`;

/** bootstrap/aws names each image's ECR repository after the image. */
export const ecrRepository = (i: ContainerImage, cluster: Pick<AwsCluster, 'accountId' | 'region'>): string =>
  `${ecrHost(cluster)}/${i.name}`;

/** The role the image workflows assume to push to an aws cluster's ECR (declared by bootstrap/aws registry.ts). */
export const IMAGE_PUSH_ROLE = { name: 'image-push' };

/** The repository a cluster pulls `i` from: the one its model's `registry` names. */
export function clusterRepository(i: ContainerImage, cluster: Cluster): string {
  return cluster.provider === 'aws' && cluster.registry === 'ecr' ? ecrRepository(i, cluster) : i.repository;
}

export const clusterImageReference = (i: ContainerImage, cluster: Cluster, version = i.tag): string =>
  `${clusterRepository(i, cluster)}:${version}`;

/** Every ARG the Dockerfiles declare, by name; REVISION is the commit being built. */
export function buildArgs(i: ContainerImage, revision: string, version = i.tag): Record<string, string> {
  return {
    BUILDER_IMAGE: BUILDER_IMAGES[i.builder].builder,
    RUNTIME_IMAGE: BUILDER_IMAGES[i.builder].runtime,
    VERSION: version,
    REVISION: revision,
  };
}

/** The version a build produces: from a release tag `<name>/v<semver>`, else the pinned tag. */
export function buildVersion(i: ContainerImage, ref: { type: string; name: string }): string {
  if (ref.type !== 'tag') return i.tag;
  const version = ref.name.startsWith(`${i.name}/v`) ? ref.name.slice(i.name.length + 2) : '';
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new Error(`tag ${ref.name}: an image release tag must be ${i.name}/v<major>.<minor>.<patch>`);
  return version;
}

/** What is wrong with an image's Dockerfile text, by the rules every image here follows. */
export function dockerfileProblems(i: ContainerImage, text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const froms = lines.filter((l) => l.startsWith('FROM '));
  const problems: string[] = [];
  if (froms.length < 2) problems.push('is not multi-stage');
  for (const from of froms) {
    if (!/^FROM (--platform=\$\{BUILDPLATFORM\} )?\$\{[A-Z_]+\}( AS \w+)?$/.test(from))
      problems.push(`"${from}" does not take its image from a build argument`);
  }
  // BuildKit sets the TARGET* platform arguments itself.
  const declared = lines
    .filter((l) => l.startsWith('ARG ') && !l.startsWith('ARG TARGET'))
    .map((l) => l.slice(4).trim());
  if (declared.some((arg) => arg.includes('=')))
    problems.push('an ARG has a default, which would be a second place for a version');
  if (declared.sort().join() !== Object.keys(buildArgs(i, 'x')).sort().join())
    problems.push(`declares ARGs ${declared.join(', ')}, not those of buildArgs()`);
  const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1) ?? ''));
  const buildStages = lines.slice(0, lines.lastIndexOf(froms.at(-1) ?? ''));
  if (!finalStage.includes('USER 65532:65532')) problems.push('final stage does not run as USER 65532:65532');
  if (finalStage.some((l) => l.startsWith('RUN ') || l.startsWith('SHELL ')))
    problems.push('final stage runs commands, so it needs a shell');
  if (i.builder === 'go') {
    if (!buildStages.some((l) => /^RUN CGO_ENABLED=0 .*go build /.test(l)))
      problems.push('does not build with CGO_ENABLED=0');
    if (!finalStage.includes(`ENTRYPOINT ["/${i.binary}"]`))
      problems.push(`ENTRYPOINT is not the exec form of /${i.binary}`);
  } else {
    // Batch mode, and no test sources: the image workflow runs the tests in its own job.
    if (!buildStages.some((l) => /^RUN mvn -B .*-Dmaven\.test\.skip=true .*package$/.test(l)))
      problems.push('does not build with `mvn -B … -Dmaven.test.skip=true … package`');
    const entrypoint = finalStage.find((l) => l.startsWith('ENTRYPOINT '));
    let argv: unknown;
    try {
      argv = JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? '');
    } catch {
      argv = undefined;
    }
    if (!Array.isArray(argv) || argv[0] !== JAVA || argv.at(-1) !== i.mainClass)
      problems.push(`ENTRYPOINT is not the exec form of ${JAVA} … ${i.mainClass}`);
  }
  if (/:latest\b/.test(text)) problems.push('mentions a latest tag');
  return problems.map((p) => `${i.context}/Dockerfile ${p}`);
}

/**
 * Where a release is pushed besides GHCR: the ECR of the aws cluster whose model pulls from it, with the region and
 * the push role. One at most: the workflow pushes to one account.
 */
export function ecrTarget(
  i: ContainerImage,
  clusters: readonly Cluster[],
  version = i.tag,
): { tag: string; registry: string; region: string; role: string } | undefined {
  const pulling = clusters.filter((c): c is AwsCluster => c.provider === 'aws' && c.registry === 'ecr');
  if (pulling.length > 1) {
    throw new Error(
      `generators/estate/clusters.ts: clusters ${pulling.map((c) => c.name).join(', ')} all pull from ECR; ` +
        'the image workflows push to one account, so only one cluster may say registry: ecr',
    );
  }
  const [cluster] = pulling;
  if (!cluster) return undefined;
  return {
    tag: clusterImageReference(i, cluster, version),
    registry: ecrHost(cluster),
    region: cluster.region,
    role: irsaRoleArn(cluster, IMAGE_PUSH_ROLE),
  };
}

export function githubOutput(i: ContainerImage, env: NodeJS.ProcessEnv, clusters: readonly Cluster[]): string {
  const version = buildVersion(i, { type: env.GITHUB_REF_TYPE ?? '', name: env.GITHUB_REF_NAME ?? '' });
  const args = Object.entries(buildArgs(i, env.GITHUB_SHA ?? '', version)).map(([k, v]) => `${k}=${v}`);
  const ecr = ecrTarget(i, clusters, version);
  return [
    `context=${i.context}`,
    `builder=${i.builder}`,
    `tag=${imageReference(i, version)}`,
    `ecr-tag=${ecr?.tag ?? ''}`,
    `ecr-registry=${ecr?.registry ?? ''}`,
    `ecr-region=${ecr?.region ?? ''}`,
    `ecr-role=${ecr?.role ?? ''}`,
    'build-args<<END_OF_ARGS',
    ...args,
    'END_OF_ARGS',
  ].join('\n');
}
