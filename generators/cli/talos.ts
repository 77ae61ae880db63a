// npm run talos -- <command> --cluster aws|onprem [--dry-run] [--yes] ...: stands a Talos cluster up and hands it to
// Flux.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { minimist, which } from 'zx';
import { runCli } from './run';
import { parse } from 'yaml';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { assertValidModel } from '../model-check';
import type { Cluster } from '../model';
import { repoRoot } from '../repo';
import { ageRecipients } from '../secrets/sops';
import { versions } from '../versions';
import { ageRecipientOf } from '../../bootstrap/talos/age-key';
import { loadInventory, type Inventory } from '../../bootstrap/talos/inventory';
import { defaultPaths, shortPath } from '../../bootstrap/talos/paths';
import { Runner } from '../../bootstrap/talos/runner';
import { bootstrap, flux, genConfig, genSecrets, install, upgrade, type Context } from '../../bootstrap/talos/steps';

const USAGE = `usage: npm run talos -- <command> --cluster ${estate.clusters.map((c) => c.name).join('|')} [options]

commands, in the order they stand a cluster up (\`up\` runs the last four, and resumes where it stopped):
  secrets      once per cluster: a new Talos secrets bundle, SOPS-encrypted into bootstrap/talos/secrets/
  gen-config   machine configs from the secrets and bootstrap/talos/patches/, validated by the Talos machinery
  install      talosconfig endpoints = control-plane IPs; configs applied to nodes still in maintenance mode
  bootstrap    etcd bootstrapped once, kubeconfig, API readyz, Calico Available, talosctl health
  flux         Flux installed from flux-system/, sops-age and Git secrets, clusters/<name> synced and Ready
  up           gen-config, install, bootstrap, flux
and later:
  upgrade      Talos, then Kubernetes, to the pinned versions, one node at a time: control planes, then workers, each
               while talosctl health (etcd included) passes; nodes already at the Talos version are skipped

options:
  --dry-run            print every command instead of running it (read-only checks are assumed to say "fresh")
  --yes                do not ask before applying configs to nodes, bootstrapping etcd or upgrading
  --age-key FILE       the cluster's age private key (gen-config, flux, up)
  --git-key FILE       SSH deploy key with read access to the repository (flux, up; ssh:// repositories)
  --known-hosts FILE   known_hosts of the Git host (with --git-key)
  --nodes FILE         aws: \`pulumi stack output --json\` of bootstrap/aws (the endpoint and control-plane IPs);
                       onprem: the inventory (defaults below)
  --out DIR            configs, talosconfig, kubeconfig (default bootstrap/talos/out/<cluster>, gitignored)
  --secrets FILE       the encrypted secrets bundle (default bootstrap/talos/secrets/<cluster>.sops.yaml)
  --retry-delay SEC    seconds between retries of commands that are safe to repeat (default 10)
defaults for --nodes: ${estate.clusters.map((c) => `${c.name}: ${defaultPaths(c).nodes}`).join('; ')}`;

const COMMANDS = ['secrets', 'gen-config', 'install', 'bootstrap', 'flux', 'up', 'upgrade'] as const;
type CommandName = (typeof COMMANDS)[number];

const INSTALL_HINTS = {
  talosctl: `talosctl ${versions.talos}: https://www.talos.dev/v${versions.talos.split('.').slice(0, 2).join('.')}/talos-guides/install/talosctl/ (\`curl -sL https://talos.dev/install | sh\`)`,
  kubectl: `kubectl ${versions.kubernetes}: https://kubernetes.io/docs/tasks/tools/#kubectl`,
};
type Tool = keyof typeof INSTALL_HINTS;

const NEEDS: Record<CommandName, { tools: Tool[]; nodes: boolean; ageKey: boolean; git: boolean }> = {
  secrets: { tools: [], nodes: false, ageKey: false, git: false },
  'gen-config': { tools: [], nodes: true, ageKey: false, git: false },
  install: { tools: ['talosctl'], nodes: true, ageKey: false, git: false },
  bootstrap: { tools: ['talosctl', 'kubectl'], nodes: true, ageKey: false, git: false },
  flux: { tools: ['kubectl'], nodes: false, ageKey: true, git: true },
  up: { tools: ['talosctl', 'kubectl'], nodes: true, ageKey: true, git: true },
  upgrade: { tools: ['talosctl', 'kubectl'], nodes: true, ageKey: false, git: false },
};

const STRING_FLAGS = ['cluster', 'age-key', 'git-key', 'known-hosts', 'nodes', 'out', 'secrets', 'retry-delay'];
const BOOLEAN_FLAGS = ['dry-run', 'yes'];

/** The key must open the cluster's Talos secrets, whose recipient tests and `secrets` keep equal to the model's. */
function ageKeyProblems(ageKey: string, secretsFile: string, cluster: Cluster): string[] {
  let recipient: string | undefined;
  try {
    recipient = ageRecipientOf(existsSync(ageKey) ? readFileSync(ageKey, 'utf8') : '');
  } catch (error) {
    return [`--age-key ${ageKey}: ${(error as Error).message}`];
  }
  if (!recipient) return [`--age-key ${ageKey} is not an age identity file (no AGE-SECRET-KEY-1 line)`];
  const expected = existsSync(secretsFile)
    ? ageRecipients((parse(readFileSync(secretsFile, 'utf8')) as { sops?: unknown }).sops)
    : [cluster.flux.ageRecipient];
  if (expected.includes(recipient)) return [];
  return [
    `--age-key ${ageKey} is the key of ${recipient}, but cluster "${cluster.name}" (${shortPath(secretsFile)}) is encrypted for ${expected.join(', ')}`,
  ];
}

async function main(): Promise<void> {
  const unknown: string[] = [];
  const args = minimist(process.argv.slice(2), {
    string: STRING_FLAGS,
    boolean: BOOLEAN_FLAGS,
    unknown: (arg) => (arg.startsWith('-') ? (unknown.push(arg), false) : true),
  });
  const command = args._[0] as CommandName;
  if (unknown.length) throw new Error(`unknown option ${unknown.join(', ')}\n\n${USAGE}`);
  const repeated = STRING_FLAGS.filter((flag) => Array.isArray(args[flag]));
  if (repeated.length) throw new Error(`${repeated.map((f) => `--${f}`).join(', ')} given more than once`);
  if (args._.length === 1 && !COMMANDS.includes(command)) {
    throw new Error(
      `unknown command ${JSON.stringify(String(command))}; use one of ${COMMANDS.join(', ')}\n\n${USAGE}`,
    );
  }
  if (args._.length !== 1)
    throw new Error(args._.length ? `give one command, got ${args._.join(' ')}\n\n${USAGE}` : USAGE);
  // The steps read the model's Talos, network and flux fields: a broken model fails here, naming the field.
  assertValidModel(estate, catalogue);
  const cluster = estate.clusters.find((c) => c.name === args.cluster);
  if (!cluster)
    throw new Error(
      `--cluster ${JSON.stringify(args.cluster ?? '')} is not a cluster of the model; use ${estate.clusters.map((c) => c.name).join(' or ')}`,
    );
  const needs = NEEDS[command];
  const path = (flag: string, fallback?: string) =>
    args[flag] ? resolve(args[flag]) : fallback && join(repoRoot, fallback);

  const missingTools: Tool[] = [];
  for (const tool of needs.tools) if (!(await which(tool, { nothrow: true }))) missingTools.push(tool);
  if (missingTools.length) {
    throw new Error(
      `missing tools on PATH (nothing was run):\n${missingTools.map((t) => `  - ${INSTALL_HINTS[t]}`).join('\n')}`,
    );
  }

  const defaults = defaultPaths(cluster);
  const secretsFile = path('secrets', defaults.secrets)!;
  const ageKey = path('age-key');
  const gitKey = path('git-key');
  const knownHosts = path('known-hosts');
  const problems: string[] = [];
  if (needs.ageKey && !ageKey)
    problems.push(`--age-key is required: the private key of ${cluster.flux.ageRecipient}, never stored in Git`);
  if (ageKey) problems.push(...ageKeyProblems(ageKey, secretsFile, cluster));
  if (needs.git && estate.repository.url.startsWith('ssh://')) {
    for (const [flag, file] of [
      ['git-key', gitKey],
      ['known-hosts', knownHosts],
    ] as const) {
      if (!file || !existsSync(file))
        problems.push(`--${flag} ${file ?? ''}: required for ${estate.repository.url}, and must exist`);
    }
  }
  const retryDelaySeconds = Number(args['retry-delay'] ?? 10);
  if (!Number.isFinite(retryDelaySeconds) || retryDelaySeconds < 0)
    problems.push(`--retry-delay ${args['retry-delay']} is not a number of seconds`);
  if (problems.length)
    throw new Error(`cannot run ${command} (nothing was run):\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const inventory: Inventory | undefined = needs.nodes
    ? loadInventory(cluster, path('nodes', defaults.nodes)!)
    : undefined;

  const log = (line: string) => console.log(line);
  const ctx: Context = {
    cluster,
    outDir: path('out', defaults.out)!,
    secretsFile,
    ageKey,
    gitKey,
    knownHosts,
    yes: Boolean(args.yes),
    runner: new Runner({ dryRun: Boolean(args['dry-run']), retryDelaySeconds, log }),
    log,
  };
  const steps: Record<CommandName, () => Promise<void>> = {
    secrets: () => genSecrets(ctx),
    'gen-config': () => genConfig(ctx, inventory!),
    install: () => install(ctx, inventory!),
    bootstrap: () => bootstrap(ctx, inventory!),
    flux: () => flux(ctx),
    upgrade: () => upgrade(ctx, inventory!),
    up: async () => {
      for (const name of ['gen-config', 'install', 'bootstrap', 'flux'] as const) {
        log(`== ${name} (${cluster.name})`);
        await steps[name]().catch((error: Error) => {
          throw new Error(
            `${error.message}\n${name} failed; fix the cause, then run \`npm run talos -- up --cluster ${cluster.name}\` again: finished steps are skipped or repeated safely`,
          );
        });
      }
    },
  };
  await steps[command]();
}

runCli(main);
