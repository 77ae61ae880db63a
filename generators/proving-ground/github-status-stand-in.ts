// A loopback stand-in for GitHub's commit-status API, where the served copy's commit-status Provider posts
// (deviation 6 of deviations.ts). notification-controller v1.9.3 talks to it as to GitHub Enterprise: for a host other
// than github.com, internal/notifier/github_helpers.go (parseGitAddress, createGitHubClient) takes the Provider
// address's scheme and host as the enterprise URL, and go-github v64 (github.go WithEnterpriseURLs) appends `api/v3/`.
// Per event, internal/notifier/github.go lists the commit's statuses (GET repos/{owner}/{repo}/commits/{ref}/statuses,
// to skip a duplicate) and then creates one (POST repos/{owner}/{repo}/statuses/{sha}), with the token as an OAuth2
// bearer token. The stand-in answers both as GitHub does (newest first, 201), and refuses anything else.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { commitStatusProviders } from './deviations';

export interface CommitStatus {
  /** `owner/repo` of the request path. */
  repository: string;
  sha: string;
  state: string;
  context: string;
  description: string;
}

export interface GitHubStatusStandIn {
  /** What a Provider's `address` is made of: this origin, then `/<owner>/<repo>`. */
  origin: string;
  /** The statuses created, in the order they arrived. */
  statuses: CommitStatus[];
  /** Requests refused (bad token, unknown path, bad body), each as `METHOD path: why`. */
  refused: string[];
  /** Sets the one token accepted; until then every request is refused. */
  acceptToken(token: string): void;
  close(): Promise<void>;
}

const API = '/api/v3/repos/';
const LIST = /^([^/]+\/[^/]+)\/commits\/([0-9a-f]{40})\/statuses$/;
const CREATE = /^([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/;
const STATES = new Set(['error', 'failure', 'pending', 'success']);

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Serves the stand-in on 127.0.0.1 and a free port. */
export async function serveGitHubStatusStandIn(): Promise<GitHubStatusStandIn> {
  const statuses: CommitStatus[] = [];
  const refused: string[] = [];
  let token: string | undefined;
  const answer = (res: ServerResponse, status: number, json: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await body(req);
    const refuse = (status: number, why: string) => {
      refused.push(`${req.method} ${pathname}: ${why}`);
      answer(res, status, { message: why });
    };
    if (!token || req.headers.authorization !== `Bearer ${token}`)
      return refuse(401, `Bad credentials (authorization ${req.headers.authorization ? 'wrong' : 'missing'})`);
    const path = pathname.startsWith(API) ? pathname.slice(API.length) : '';
    const list = req.method === 'GET' ? LIST.exec(path) : null;
    if (list) {
      const [, repository, sha] = list;
      const found = statuses.filter((s) => s.repository === repository && s.sha === sha).reverse();
      return answer(res, 200, found);
    }
    const create = req.method === 'POST' ? CREATE.exec(path) : null;
    if (!create) return refuse(404, 'Not Found: not an endpoint of the commit-status API');
    let posted: Partial<CommitStatus>;
    try {
      posted = JSON.parse(text);
    } catch {
      return refuse(400, `Problems parsing JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    if (!STATES.has(posted.state ?? '')) return refuse(422, `state ${JSON.stringify(posted.state)} is not valid`);
    const status = {
      repository: create[1]!,
      sha: create[2]!,
      state: posted.state!,
      context: posted.context ?? 'default',
      description: posted.description ?? '',
    };
    statuses.push(status);
    answer(res, 201, status);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => answer(res, 500, { message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    statuses,
    refused,
    acceptToken: (t) => {
      token = t;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * What is missing for `contexts` at `sha` of `repository`: a status of `state` for each, and no refused request. The
 * contexts are `<cluster>/<Kustomization>`, the commitStatusExpr of platform/flux-feedback.
 */
export function commitStatusProblems(
  stand: Pick<GitHubStatusStandIn, 'statuses' | 'refused'>,
  expected: { repository: string; sha: string; contexts: readonly string[]; state: string },
): string[] {
  const { repository, sha, contexts, state } = expected;
  const problems = stand.refused.map((r) => `the GitHub commit-status stand-in refused ${r}`);
  for (const context of contexts) {
    const mine = stand.statuses.filter((s) => s.context === context);
    if (mine.some((s) => s.repository === repository && s.sha === sha && s.state === state)) continue;
    const got = mine.map((s) => `${s.state} at ${s.repository}@${s.sha.slice(0, 12)}`).join(', ') || 'none';
    problems.push(`no ${state} commit status ${context} for ${repository}@${sha.slice(0, 12)} (received: ${got})`);
  }
  return problems;
}

/**
 * The token the commit-status Providers of `tree` authenticate with: key `token` of their `secretRef` Secret
 * (internal/server/event_handlers.go of notification-controller v1.9.3), as encrypted into the served copy.
 */
export function commitStatusToken(
  tree: ReadonlyMap<string, string>,
  secrets: ReadonlyMap<string, Record<string, string>>,
): string {
  const providers = commitStatusProviders(tree);
  if (!providers.length) throw new Error('the served tree has no commit-status Provider (type github)');
  const tokens = new Set(
    providers.map(({ file, provider }) => {
      const secret = `${provider.metadata.namespace}/${provider.spec.secretRef?.name}`;
      const token = secrets.get(secret)?.token;
      if (!token)
        throw new Error(`${file}: Provider ${provider.metadata.name} spec.secretRef: no SOPS Secret ${secret}`);
      return token;
    }),
  );
  if (tokens.size !== 1) throw new Error('the commit-status Providers use different Secrets; the stand-in takes one');
  return [...tokens][0]!;
}
