// Before any test: the Debian packages the tests need are there (installed when this runs as root on Debian), or the
// run stops at once with the command that installs them. Every test's temporary files (mkdtemp under os.tmpdir(),
// Go's build folders, servers' data) go into one folder that is removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../debian-packages';

const RUN_TMPDIR = 'GITOPS_TEST_RUN_TMPDIR';

export default function setup(): () => void {
  try {
    ensureDebianPackages();
  } catch (error) {
    // A message, not vitest's stack trace of the setup file: the fix is a command to run.
    console.error(`\n${(error as Error).message}\n`);
    process.exit(1);
  }
  // Each vitest project runs this setup in the same process: the second one keeps the first one's folder, since a
  // folder nested in another private one is out of reach of a test that drops privileges.
  const shared = process.env[RUN_TMPDIR];
  if (shared && process.env.TMPDIR === shared) return () => {};
  const root = mkdtempSync(join(tmpdir(), 'gitops-test-'));
  process.env.TMPDIR = root;
  process.env[RUN_TMPDIR] = root;
  return () => {
    delete process.env[RUN_TMPDIR];
    rmSync(root, { recursive: true, force: true });
  };
}
