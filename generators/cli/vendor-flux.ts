import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLUX_INSTALL_DIR, buildFluxInstall } from '../flux-install/vendor';
import { versions } from '../versions';
import { repoRoot, runCli } from './run';

runCli(() => {
  const files = buildFluxInstall();
  mkdirSync(join(repoRoot, FLUX_INSTALL_DIR), { recursive: true });
  for (const [name, content] of files) writeFileSync(join(repoRoot, FLUX_INSTALL_DIR, name), content);
  console.log(
    `wrote ${[...files.keys()].map((f) => `${FLUX_INSTALL_DIR}/${f}`).join(', ')} for Flux v${versions.flux.distribution}`,
  );
});
