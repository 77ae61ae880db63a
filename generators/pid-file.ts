// Files that name the process holding something (a build lock, a reserved port): created exclusively, held while
// that process lives, and taken over once it is gone.
import { readFileSync, statSync, writeFileSync } from 'node:fs';

/** Whether a process with this pid runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `file` with this process's pid in it; false when it exists already. */
export function claim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Whether a live process holds `file`. An empty one is being written: `wx` creates it before the pid is in it. */
export function isHeld(file: string): boolean {
  try {
    const holder = readFileSync(file, 'utf8');
    return holder ? isAlive(Number(holder)) : Date.now() - statSync(file).mtimeMs < 10_000;
  } catch {
    return false;
  }
}
