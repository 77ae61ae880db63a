import { repoRoot } from '../repo';

export { repoRoot };

/** Errors of the program itself, not of its input: the message alone would not say where to look. */
const DEFECTS = [TypeError, ReferenceError, RangeError, SyntaxError];

/** A repo path instead of an absolute one, so messages stay short and name the file a user edits. */
function shorten(text: string): string {
  return text.split(repoRoot).join('').split(`file://${repoRoot}`).join('');
}

/** The first frame of the stack in this repository's own code: `file:line:column`. */
function whereIn(error: Error): string | undefined {
  const frames = (error.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at '));
  const own = frames
    .map((l) => /\(?(?:file:\/\/)?(\/[^():]+):(\d+):(\d+)\)?$/.exec(l))
    .find((m) => {
      return m?.[1]?.startsWith(repoRoot) && !m[1].includes('/node_modules/');
    });
  return own ? `${shorten(own[1]!)}:${own[2]}` : undefined;
}

/** One line (or block) that names what failed, never a stack trace. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // esbuild (tsx) reports a syntax error as "Transform failed with N error(s):\n<file>:<line>:<col>: ERROR: <text>".
  const transform = /Transform failed with \d+ errors?:\n([\s\S]*)/.exec(error.message);
  if (transform) return shorten(transform[1]!.replace(/: ERROR: /g, ': syntax error: ').trim());
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_MODULE_NOT_FOUND') return `${shorten(error.message.split('\n')[0]!)}: fix the import`;
  const message = shorten(error.message);
  const where = DEFECTS.some((type) => error instanceof type) ? whereIn(error) : undefined;
  return where ? `${where}: ${error.name}: ${message}` : message;
}

/** Runs a command's body and turns any error into one clear message and exit code 1. */
export function runCli(main: () => void | Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      console.error(errorMessage(error));
      process.exitCode = 1;
    });
}
