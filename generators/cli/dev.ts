// `npm run dev [-- --app <name>]`: the local loop. Watches generators/, platform/ and apps/; after each change (once
// the edits settle) it re-renders and prints one block: what each cluster receives against the last commit, then the
// validation and policy results, each step with its time. `--app task-tracker` also runs that service on 127.0.0.1,
// rebuilt and restarted whenever its Go source changes. Ctrl-C (SIGINT) or SIGTERM stops everything.
// `--once` is one such block in this process: tsx caches modules, so every turn runs in a fresh child.
import { type ChildProcess, spawn } from 'node:child_process';
import { type FSWatcher, rmSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NAME as TASK_TRACKER, TOOL as TASK_TRACKER_TOOL } from '../../apps/task-tracker/api';
import { type RunningTaskTracker, startTaskTracker } from '../../apps/task-tracker/launch';
import { buildGoTool, type GoTool } from '../go-tools';
import { startScratchPostgres } from '../local-postgres';
import { repoRoot, runCli } from './run';

const WATCHED = ['generators', 'platform', 'apps'];
/** Edits arrive in bursts (save-all, a formatter, git checkout): wait this long after the last one. */
const SETTLE_MS = 300;
const STOP_TIMEOUT_MS = 5000;
const TSX_CLI = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');

interface Backing {
  env: Record<string, string>;
  stop(): Promise<void>;
}

interface Runnable {
  tool: GoTool;
  /** What the app needs beside it, started once per session; its environment joins the app's. */
  backing?(): Promise<Backing>;
  /** Starts the built binary with these addresses in its environment; resolves once it serves. */
  start(env: Record<string, string>): Promise<RunningTaskTracker>;
}

/** task-tracker keeps its tasks in PostgreSQL: DATABASE_URL if set, else a scratch server for the session. */
async function taskTrackerDatabase(): Promise<Backing> {
  const url = process.env.DATABASE_URL;
  if (url) return { env: { DATABASE_URL: url }, stop: async () => {} };
  const pg = await startScratchPostgres('dev-task-tracker-pg-');
  console.log(
    `${TASK_TRACKER}: a scratch PostgreSQL on 127.0.0.1:${pg.port} for this session (DATABASE_URL overrides)`,
  );
  return { env: { DATABASE_URL: pg.url }, stop: pg.stop };
}

/** The apps `--app` can run: the Go tool that builds each, what it needs beside it, and its launcher. */
const RUNNABLE: Record<string, Runnable> = {
  [TASK_TRACKER]: { tool: TASK_TRACKER_TOOL, backing: taskTrackerDatabase, start: startTaskTracker },
};
const usage = `usage: npm run dev [-- --app <${Object.keys(RUNNABLE).join('|')}>]`;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const clock = () => new Date().toTimeString().slice(0, 8);
const rule = (text: string) => console.log(`\n━━ ${text} ━━`);

function listed(files: string[]): string {
  return files.length > 3 ? `${files.slice(0, 3).join(', ')} and ${files.length - 3} more` : files.join(', ');
}

/** Collects the changed paths of a burst and hands them over once no more arrive for SETTLE_MS. */
function settled(onBurst: (files: string[]) => void): { add(file: string): void; cancel(): void } {
  const files = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  return {
    add(file) {
      files.add(file);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const burst = [...files].sort();
        files.clear();
        onBurst(burst);
      }, SETTLE_MS);
    },
    cancel: () => clearTimeout(timer),
  };
}

/** Turns run one at a time, so their blocks never interleave; a burst that finds its kind's turn waiting joins it. */
class Turns {
  private chain = Promise.resolve();
  private readonly waiting = new Map<string, string[]>();

  enqueue(kind: string, files: string[], run: (files: string[]) => Promise<void>): void {
    const waiting = this.waiting.get(kind);
    if (waiting) {
      waiting.push(...files);
      return;
    }
    const batch = [...files];
    this.waiting.set(kind, batch);
    this.chain = this.chain.then(() => {
      this.waiting.delete(kind);
      return run([...new Set(batch)].sort());
    });
  }
}

/** Re-renders and checks in a fresh child per turn, so every turn sees the sources as they are now. */
class RenderLoop {
  private turn = 0;
  private running?: ChildProcess;

  run(files: string[]): Promise<void> {
    rule(this.turn ? `change ${this.turn} · ${clock()} · ${listed(files)}` : `start · ${clock()} · the working tree`);
    this.turn++;
    const started = performance.now();
    const child = spawn(process.execPath, [TSX_CLI, 'generators/cli/dev.ts', '--once'], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.running = child;
    return new Promise((resolve) =>
      child.on('close', (code) => {
        this.running = undefined;
        rule(`${code === 0 ? 'all green' : 'FAILED'} in ${seconds(started)} · watching ${WATCHED.join('/, ')}/`);
        resolve();
      }),
    );
  }

  stop(): void {
    this.running?.kill('SIGTERM');
  }
}

/** Runs an app's binary; a rebuild keeps the old process serving until the new build is ready. */
class AppRunner {
  private current?: RunningTaskTracker;
  private firstBinary?: string;
  private binary?: string;
  private backing?: Promise<Backing>;
  /** After the first start, restarts keep its ports, so the printed URLs stay valid. */
  private env: Record<string, string> = {
    LISTEN_ADDR: process.env.LISTEN_ADDR ?? '127.0.0.1:0',
    METRICS_ADDR: process.env.METRICS_ADDR ?? '127.0.0.1:0',
  };

  constructor(
    readonly name: string,
    private readonly app: Runnable,
  ) {}

  async restart(files: string[]): Promise<void> {
    rule(`${this.name} · ${clock()} · ${files.length ? listed(files) : 'first start'}`);
    const started = performance.now();
    let binary: string;
    try {
      binary = buildGoTool(this.app.tool);
    } catch (error) {
      const still = this.current ? `; the previous build keeps serving at ${this.current.api}` : '';
      console.log(`${this.name}: ${error instanceof Error ? error.message : error}${still}`);
      return;
    }
    await this.stop();
    try {
      this.backing ??= this.app.backing?.() ?? Promise.resolve({ env: {}, stop: async () => {} });
      // A backing that failed to start is tried again at the next restart.
      const backing = await this.backing.catch((error: unknown) => {
        this.backing = undefined;
        throw error;
      });
      this.current = await this.app.start({ ...backing.env, ...this.env });
    } catch (error) {
      console.log(`${this.name}: ${error instanceof Error ? error.message : error}`);
      return;
    }
    const running = this.current;
    this.env = { LISTEN_ADDR: new URL(running.api).host, METRICS_ADDR: new URL(running.metrics).host };
    // Each source edit is a new cache entry: drop this session's previous build, keep the one it started from.
    if (this.binary && this.binary !== binary && this.binary !== this.firstBinary) {
      rmSync(dirname(this.binary), { recursive: true, force: true });
    }
    this.firstBinary ??= binary;
    this.binary = binary;
    const urls = `${running.api} (metrics ${running.metrics}/metrics)`;
    console.log(`${this.name} serving at ${urls}, ready in ${seconds(started)}`);
    // Each start writes a fresh keys file with one client; its token changes with every restart.
    console.log(`${this.name}: curl -H 'authorization: Bearer ${running.token}' ${running.api}/tasks`);
    void running.exited.then(({ code, signal, stderr }) => {
      if (this.current !== running) return;
      console.log(`${this.name} exited (${code ?? signal}): ${stderr.trim()}; the next Go change restarts it`);
      this.current = undefined;
    });
  }

  async stop(): Promise<void> {
    const running = this.current;
    this.current = undefined;
    if (!running || running.process.exitCode !== null || running.process.signalCode !== null) return;
    running.process.kill('SIGTERM');
    const killer = setTimeout(() => running.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await running.exited;
    clearTimeout(killer);
  }

  /** Stops the app, then what it needs beside it. */
  async close(): Promise<void> {
    await this.stop();
    const backing = await this.backing?.catch(() => undefined);
    await backing?.stop();
  }
}

/** Whether a change under WATCHED can change the rendering: TypeScript, apart from tests and their helpers. */
const rendersFrom = (file: string) => /\.ts$/.test(file) && !/\.(test|testkit)\.ts$/.test(file);
const isGoSource = (file: string, app: string) =>
  file.startsWith(`apps/${app}/`) && /(\.go|\/go\.(mod|sum))$/.test(file);

/** The render and its gates, imported afresh: a syntax error in the model or a component is a failed render. */
async function loadTurn() {
  const [{ renderAndCheck }, { estate }, { catalogue }] = await Promise.all([
    import('../dev/cycle'),
    import('../estate/clusters'),
    import('../estate/catalogue'),
  ]);
  return { renderAndCheck, estate, catalogue };
}

async function once(): Promise<void> {
  const print = (line: string) => console.log(line);
  let turn: Awaited<ReturnType<typeof loadTurn>>;
  try {
    turn = await loadTurn();
  } catch (error) {
    print(`render    FAILED ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
    return;
  }
  if (!(await turn.renderAndCheck(repoRoot, turn.estate, turn.catalogue, print))) process.exitCode = 1;
}

function watchLoop(app: string | undefined): void {
  const renders = new RenderLoop();
  const runner = app ? new AppRunner(app, RUNNABLE[app]!) : undefined;
  const turns = new Turns();
  const render = (files: string[]) => turns.enqueue('render', files, (batch) => renders.run(batch));
  const restart = (files: string[]) => runner && turns.enqueue('app', files, (batch) => runner.restart(batch));
  const renderBurst = settled(render);
  const goBurst = settled(restart);
  const watchers: FSWatcher[] = WATCHED.map((dir) =>
    watch(join(repoRoot, dir), { recursive: true }, (_event, name) => {
      if (!name) return;
      const file = `${dir}/${name}`;
      if (rendersFrom(file)) renderBurst.add(file);
      else if (app && isGoSource(file, app)) goBurst.add(file);
    }),
  );
  render([]);
  restart([]);

  const shutdown = async (signal: NodeJS.Signals) => {
    console.log(`\n${signal}: stopping`);
    for (const w of watchers) w.close();
    renderBurst.cancel();
    goBurst.cancel();
    renders.stop();
    await runner?.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

runCli(async () => {
  const { values } = parseArgs({ options: { app: { type: 'string' }, once: { type: 'boolean', default: false } } });
  if (values.once) return once();
  if (values.app !== undefined && !(values.app in RUNNABLE)) throw new Error(`unknown app "${values.app}"; ${usage}`);
  watchLoop(values.app);
});
