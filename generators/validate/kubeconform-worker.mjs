// One kubeconform (wasm) run in a worker thread, so batches run in parallel. Plain JavaScript: worker threads load it
// without a TypeScript loader. kubeconform.ts prepares everything and reads the results.
import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

// node:wasi is flagged experimental in Node 20; its warning on every run says nothing actionable.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

const WASI_ERRNO_ROFS = 69;
const RIGHT_FD_WRITE = 1n << 6n;
const OFLAGS_CREATE_EXCL_TRUNC = 1 | 4 | 8;
/** Every preview1 call that changes the file system, besides opening a file for writing. */
const MUTATING_CALLS = new Set([
  'fd_allocate',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'path_create_directory',
  'path_filestat_set_times',
  'path_link',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
]);

/**
 * node:wasi's imports with every mount made read-only. Calling through these JavaScript functions also avoids a crash:
 * with node:wasi's own functions imported directly, Node 20 aborted at random in V8's garbage collector (heap
 * corruption) while kubeconform grew its memory; through the wrappers, no run has crashed.
 */
function readOnlyImports(wasi) {
  const guarded = {};
  for (const [name, call] of Object.entries(wasi.getImportObject().wasi_snapshot_preview1)) {
    if (MUTATING_CALLS.has(name)) guarded[name] = () => WASI_ERRNO_ROFS;
    else if (name === 'path_open') {
      guarded[name] = (...args) => {
        const [, , , , oflags, rightsBase] = args;
        if ((oflags & OFLAGS_CREATE_EXCL_TRUNC) !== 0 || (rightsBase & RIGHT_FD_WRITE) !== 0n) return WASI_ERRNO_ROFS;
        return call(...args);
      };
    } else guarded[name] = (...args) => call(...args);
  }
  return { wasi_snapshot_preview1: guarded };
}

const { module, args, env, preopens, stdoutPath, stderrPath } = workerData;
const stdout = openSync(stdoutPath, 'w');
const stderr = openSync(stderrPath, 'w');
try {
  const wasi = new WASI({ version: 'preview1', args, env, preopens, stdout, stderr, returnOnExit: true });
  parentPort.postMessage(wasi.start(new WebAssembly.Instance(module, readOnlyImports(wasi))));
} finally {
  closeSync(stdout);
  closeSync(stderr);
}
