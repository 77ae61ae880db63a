// Before any test: the Debian packages the tests need are there (installed when this runs as root on Debian), or the
// run stops at once with the command that installs them. Every test's temporary files (mkdtemp under os.tmpdir(),
// Go's build folders, servers' data) go into one folder that is removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../debian-packages';

export default function setup(): () => void {
  try {
    ensureDebianPackages();
  } catch (error) {
    // A message, not vitest's stack trace of the setup file: the fix is a command to run.
    console.error(`\n${(error as Error).message}\n`);
    process.exit(1);
  }
  const root = mkdtempSync(join(tmpdir(), 'gitops-test-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
