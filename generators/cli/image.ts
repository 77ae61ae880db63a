// The image workflow's entry point, over the images the catalogue's components declare:
//   npm run -s image -- <image>                  the reference Flux deploys
//   npm run -s image -- <image> --build-args     the `docker build` arguments for the checked-out commit
//   npm run -s image -- <image> --github-output  the step outputs of the image workflow (from GITHUB_* variables)
import { execFileSync } from 'node:child_process';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { buildArgs, findImage, githubOutput, imageReference } from '../images';
import { imagesOf } from '../registries';

const [name = '', mode] = process.argv.slice(2);
try {
  const i = findImage(imagesOf(catalogue), name);
  if (mode === '--build-args') {
    const revision = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    console.log(
      Object.entries(buildArgs(i, revision))
        .map(([k, v]) => `--build-arg ${k}=${v}`)
        .join(' '),
    );
  } else if (mode === '--github-output') {
    console.log(githubOutput(i, process.env, estate.clusters));
  } else {
    console.log(imageReference(i));
  }
} catch (error) {
  console.error(`::error title=Image build arguments::${(error as Error).message}`);
  process.exitCode = 1;
}
