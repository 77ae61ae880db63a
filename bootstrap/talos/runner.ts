// The one way the Talos scripts run an external command: logged, dry-runnable, retried where safe, explained on
// failure.
import { $, quote, sleep } from 'zx';
import { buildGoTool, CORE_GO_TOOLS, type GoTool } from '../../generators/go-tools';
import { TALOS_CONFIG_TOOL } from './tools';
import { repoRoot } from '../../generators/repo';

export interface Command {
  /** talosctl, kubectl, or a Go tool of GO_TOOLS (sops, talos-config), which is built on first use. */
  tool: string;
  args: string[];
  /** Sent on stdin and never logged: secrets travel this way, not in argv. */
  input?: string;
  env?: Record<string, string>;
  /** Attempts before giving up; more than 1 only for commands that are safe to repeat. */
  attempts?: number;
  /** What to look at when the command keeps failing. */
  check: string;
}

export interface RunnerOptions {
  dryRun: boolean;
  retryDelaySeconds: number;
  log: (line: string) => void;
}

export class CommandError extends Error {
  override name = 'CommandError';
}

/** How a command is shown in logs and in the dry-run plan. */
export function describe(command: Pick<Command, 'tool' | 'args'>): string {
  return [command.tool, ...command.args].map((a) => quote(a)).join(' ');
}

/** The Go programs the scripts run by name, built from their pinned modules; anything else comes from PATH. */
const GO_PROGRAMS: Record<string, GoTool> = { ...CORE_GO_TOOLS, [TALOS_CONFIG_TOOL.name]: TALOS_CONFIG_TOOL };

function executable(tool: string): string {
  const program = GO_PROGRAMS[tool];
  return program ? buildGoTool(program) : tool;
}

export class Runner {
  constructor(private readonly options: RunnerOptions) {}

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /** Runs a command that must succeed and returns its stdout ('' in dry-run, where nothing runs). */
  async run(command: Command): Promise<string> {
    const shown = describe(command);
    if (this.options.dryRun) {
      this.options.log(`[dry-run] ${shown}`);
      return '';
    }
    const attempts = command.attempts ?? 1;
    let lastError = '';
    this.options.log(`$ ${shown}`);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await this.exec(command);
      if (result.ok) return result.stdout;
      lastError = result.error;
      if (attempt < attempts) {
        this.options.log(`  ${lastError}; attempt ${attempt + 1}/${attempts} in ${this.options.retryDelaySeconds}s`);
        await sleep(this.options.retryDelaySeconds * 1000);
      }
    }
    throw new CommandError(
      `\`${shown}\` failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${lastError}\n  check: ${command.check}`,
    );
  }

  /**
   * Runs a read-only question whose failure is an answer (a node not configured yet, etcd without members).
   * In dry-run nothing runs and the answer is "no": the plan shown is the one for a fresh cluster.
   */
  async probe(command: Omit<Command, 'attempts' | 'check'>): Promise<boolean> {
    const shown = describe(command);
    if (this.options.dryRun) {
      this.options.log(`[dry-run] ${shown}`);
      return false;
    }
    this.options.log(`? ${shown}`);
    return (await this.exec(command)).ok;
  }

  private async exec(
    command: Omit<Command, 'attempts' | 'check'>,
  ): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
    const output = await $({
      cwd: repoRoot,
      input: command.input,
      env: { ...process.env, ...command.env },
      quiet: true,
      nothrow: true,
    })`${executable(command.tool)} ${command.args}`;
    if (output.exitCode === 0) return { ok: true, stdout: output.stdout };
    const stderr = output.stderr.trim().split('\n').slice(-3).join(' | ');
    return { ok: false, error: `exit ${output.exitCode}${stderr ? `: ${stderr}` : ''}` };
  }
}
