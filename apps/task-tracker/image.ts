// The task-tracker image: its reference, and the docker build arguments that pin what the Dockerfile builds from.
// `tsx apps/task-tracker/image.ts` prints the reference; with `--build-args`, the arguments for `docker build`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { versions } from '../../generators/versions';

export const IMAGE = `${versions.taskTracker.image}:${versions.taskTracker.tag}`;

/** Every ARG the Dockerfile declares, by name; REVISION is the commit being built. */
export function buildArgs(revision: string): Record<string, string> {
  return {
    BUILDER_IMAGE: versions.taskTracker.builderImage,
    RUNTIME_IMAGE: versions.taskTracker.runtimeImage,
    VERSION: versions.taskTracker.tag,
    REVISION: revision,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--build-args')) {
    const revision = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    console.log(Object.entries(buildArgs(revision)).map(([k, v]) => `--build-arg ${k}=${v}`).join(' '));
  } else {
    console.log(IMAGE);
  }
}
