import { afterEach, describe, expect, it } from 'vitest';
import { toYaml } from '../layout';
import {
  type CommitStatus,
  commitStatusProblems,
  commitStatusToken,
  type GitHubStatusStandIn,
  serveGitHubStatusStandIn,
} from './github-status-stand-in';

const sha = 'a'.repeat(40);
const repo = 'acme/estate';

describe('GitHub commit-status API stand-in (loopback)', () => {
  let stand: GitHubStatusStandIn | undefined;
  afterEach(async () => {
    await stand?.close();
    stand = undefined;
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${stand!.origin}/api/v3/repos/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('records a created status and lists the commit statuses newest first, as notification-controller reads them', async () => {
    stand = await serveGitHubStatusStandIn();
    stand.acceptToken('t0ken');
    for (const state of ['failure', 'success']) {
      const created = await call('POST', `${repo}/statuses/${sha}`, 't0ken', { state, context: 'aws/x' });
      expect(created.status).toBe(201);
    }
    const listed = await call('GET', `${repo}/commits/${sha}/statuses?per_page=50`, 't0ken');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as CommitStatus[]).map((s) => s.state)).toEqual(['success', 'failure']);
    expect(stand.statuses).toHaveLength(2);
    expect(stand.refused).toEqual([]);
  });

  it('refuses a wrong or missing token, an unknown endpoint and an invalid state, and records nothing', async () => {
    stand = await serveGitHubStatusStandIn();
    expect((await call('POST', `${repo}/statuses/${sha}`, 'any', { state: 'success' })).status).toBe(401);
    stand.acceptToken('t0ken');
    expect((await call('POST', `${repo}/statuses/${sha}`, 'wrong', { state: 'success' })).status).toBe(401);
    expect((await call('POST', `${repo}/check-runs`, 't0ken', { state: 'success' })).status).toBe(404);
    expect((await call('POST', `${repo}/statuses/${sha}`, 't0ken', { state: 'done' })).status).toBe(422);
    expect(stand.statuses).toEqual([]);
    expect(stand.refused).toEqual([
      `POST /api/v3/repos/${repo}/statuses/${sha}: Bad credentials (authorization wrong)`,
      `POST /api/v3/repos/${repo}/statuses/${sha}: Bad credentials (authorization wrong)`,
      `POST /api/v3/repos/${repo}/check-runs: Not Found: not an endpoint of the commit-status API`,
      `POST /api/v3/repos/${repo}/statuses/${sha}: state "done" is not valid`,
    ]);
  });
});

describe('commitStatusProblems', () => {
  const status = (over: Partial<CommitStatus> = {}): CommitStatus => ({
    repository: repo,
    sha,
    state: 'success',
    context: 'aws/apps-x',
    description: 'reconciliation succeeded',
    ...over,
  });
  const expected = { repository: repo, sha, contexts: ['aws/apps-x'], state: 'success' };

  it('accepts a status of the state for each context at the commit', () => {
    expect(commitStatusProblems({ statuses: [status()], refused: [] }, expected)).toEqual([]);
  });

  it('refuses a status of another state, commit or repository, and a refused request', () => {
    for (const wrong of [{ state: 'failure' }, { sha: 'b'.repeat(40) }, { repository: 'acme/other' }]) {
      expect(commitStatusProblems({ statuses: [status(wrong)], refused: [] }, expected)).toHaveLength(1);
    }
    expect(commitStatusProblems({ statuses: [], refused: [] }, expected)).toEqual([
      `no success commit status aws/apps-x for ${repo}@aaaaaaaaaaaa (received: none)`,
    ]);
    expect(commitStatusProblems({ statuses: [status()], refused: ['GET /x: Bad credentials'] }, expected)).toEqual([
      'the GitHub commit-status stand-in refused GET /x: Bad credentials',
    ]);
  });
});

describe('commitStatusToken', () => {
  const provider = (secret: string) => ({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'commit-status', namespace: 'flux-system' },
    spec: { type: 'github', address: 'https://github.com/acme/estate', secretRef: { name: secret } },
  });
  const tree = (secret: string) =>
    new Map([['clusters/c/platform-configs/f/provider.yaml', toYaml([provider(secret)])]]);
  const secrets = new Map([['flux-system/token', { token: 'decrypted' }]]);

  it('is the value encrypted into the Secret the Provider names', () => {
    expect(commitStatusToken(tree('token'), secrets)).toBe('decrypted');
  });

  it('fails when the Secret is not served or there is no commit-status Provider', () => {
    expect(() => commitStatusToken(tree('other'), secrets)).toThrow(
      'clusters/c/platform-configs/f/provider.yaml: Provider commit-status spec.secretRef: no SOPS Secret ' +
        'flux-system/other',
    );
    expect(() => commitStatusToken(new Map(), secrets)).toThrow(/no commit-status Provider/);
  });
});
