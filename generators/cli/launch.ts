// Every npm script starts here: `tsx generators/cli/launch.ts <repo-relative entry> [args]`. Loading the entry
// dynamically turns an error while loading it (a syntax error in the model, a missing module) into one line naming the
// file, where Node would print a stack trace; errors while running are the entry's runCli's to report.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, repoRoot } from './run';

const [entry] = process.argv.splice(2, 1);
if (!entry) {
  console.error('usage: tsx generators/cli/launch.ts <entry point, e.g. generators/cli/render.ts> [arguments]');
  process.exitCode = 2;
} else {
  process.argv[1] = join(repoRoot, entry);
  import(pathToFileURL(join(repoRoot, entry)).href).catch((error: unknown) => {
    console.error(`cannot load ${entry}: ${errorMessage(error)}`);
    process.exitCode = 1;
  });
}
