// The format of every pin in generators/versions.ts, checked before anything renders: a pin that is empty, `latest`, a
// floating tag or a range passes every later gate (it is only a string in a label or an image reference).
import { versions } from './versions';

export const VERSIONS_FILE = 'generators/versions.ts';

interface Format {
  pattern: RegExp;
  hint: string;
}

const SEMVER = { pattern: /^\d+\.\d+\.\d+$/, hint: 'an exact version like 1.2.3 (no "v", no range, no "latest")' };
/** A version tag with an optional variant suffix, as image publishers tag releases (`1.28.0-alpine`). */
const TAG = /\d+\.\d+\.\d+(-[a-z0-9]+(\.[a-z0-9]+)*)?/;
const DIGEST = /@sha256:[0-9a-f]{64}/;
const IMAGE_TAG = {
  pattern: new RegExp(`^${TAG.source}$`),
  hint: 'an image tag of an exact version like 1.28.0-alpine',
};
const REPOSITORY = /[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*/;
const IMAGE = {
  pattern: new RegExp(`^${REPOSITORY.source}(:${TAG.source}(${DIGEST.source})?|${DIGEST.source})$`),
  hint: 'an image reference pinned by an exact version tag or a sha256 digest',
};

/**
 * Entries whose format differs from exact semver. Distroless publishes no version tags at all, so its one tag
 * (`nonroot`) is allowed, alone or with the digest Renovate's pinDigests adds.
 */
const FORMATS: Record<string, Format> = {
  nginxUnprivileged: IMAGE_TAG,
  // Pre-release tags only so far; the image tag adds the `v` (platform/etcd-backup).
  talosBackup: IMAGE_TAG,
  goBuilderImage: IMAGE,
  goRuntimeImage: {
    pattern: new RegExp(`^gcr\\.io/distroless/static-debian12:nonroot(${DIGEST.source})?$`),
    hint: 'gcr.io/distroless/static-debian12:nonroot, optionally with its @sha256 digest',
  },
  // Maven's images are tagged <maven>-<jdk distribution>-<jdk major>.
  mavenBuilderImage: {
    pattern: new RegExp(`^maven:\\d+\\.\\d+\\.\\d+-eclipse-temurin-\\d+(${DIGEST.source})?$`),
    hint: 'a Maven image tag like maven:3.9.11-eclipse-temurin-17, optionally with its @sha256 digest',
  },
  jvmRuntimeImage: {
    pattern: new RegExp(`^gcr\\.io/distroless/java\\d+-debian12:nonroot(${DIGEST.source})?$`),
    hint: 'gcr.io/distroless/java<major>-debian12:nonroot, optionally with its @sha256 digest',
  },
  // PostgreSQL releases are major.minor; CloudNativePG's operand tags add the flavour and the Debian release.
  postgresImage: {
    pattern: /^\d+\.\d+-(system|standard|minimal)-[a-z]+$/,
    hint: 'a CloudNativePG operand tag like 15.14-system-trixie',
  },
  'taskTracker.image': { pattern: new RegExp(`^${REPOSITORY.source}$`), hint: 'an image repository without tag' },
  'taskStream.image': { pattern: new RegExp(`^${REPOSITORY.source}$`), hint: 'an image repository without tag' },
};

function leaves(value: unknown, path: string[] = []): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, v]) => leaves(v, [...path, key]));
  }
  return [[path.join('.'), value]];
}

/** Every pin whose format is wrong, naming the entry: empty when all are exact. */
export function versionProblems(pins: object = versions): string[] {
  return leaves(pins).flatMap(([entry, value]) => {
    const format = FORMATS[entry] ?? SEMVER;
    if (typeof value !== 'string') return [`${VERSIONS_FILE}: ${entry} must be a string, got ${JSON.stringify(value)}`];
    return format.pattern.test(value)
      ? []
      : [`${VERSIONS_FILE}: ${entry} ${JSON.stringify(value)} is not ${format.hint}`];
  });
}

/** A valid Kubernetes label value: at most 63 characters, alphanumerics at both ends, `-`, `_`, `.` between. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${JSON.stringify(value)}`;
  return LABEL_VALUE.test(value)
    ? undefined
    : `${JSON.stringify(value)} is not a valid label value (≤ 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)`;
}
