// Git's smart HTTP protocol on loopback, through git's own CGI program (git http-backend): Flux's GitRepository
// speaks http(s) or ssh only, so `git daemon` would not do.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface GitServer {
  /** Clone URL of `<name>.git` under the served folder. */
  url(name: string): string;
  close(): Promise<void>;
}

const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');

/** Splits a CGI response into its status, headers and body (RFC 3875 section 6). */
export function parseCgi(output: Buffer): { status: number; headers: [string, string][]; body: Buffer } {
  const crlf = output.indexOf('\r\n\r\n');
  const lf = output.indexOf('\n\n');
  const [end, gap] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : [lf, 2];
  if (end < 0) throw new Error('git http-backend answered without a header block');
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  return { status, headers, body: output.subarray(end + gap) };
}

/** Serves every bare repository under `root`, read-only, on 127.0.0.1 and a free port. */
export async function serveGit(root: string): Promise<GitServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn(backend, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      },
    });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.stderr.on('data', (c: Buffer) => errors.push(c));
    req.pipe(cgi.stdin);
    cgi.on('close', (code) => {
      try {
        const { status, headers, body } = parseCgi(Buffer.concat(chunks));
        res.writeHead(status, headers);
        res.end(body);
      } catch (error) {
        res.writeHead(500).end(`git http-backend exited ${code}: ${Buffer.concat(errors)} ${String(error)}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
