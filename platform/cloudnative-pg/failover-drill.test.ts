// The failover drill, end to end on loopback with real components: a PostgreSQL primary (Debian's server) archives WAL
// and a base backup with barman-cloud (PyPI, the tool CloudNativePG's operand runs) to the repo's S3-compatible
// server (gofakes3); a replica restores the base backup and follows the archive; task-tracker writes to the primary;
// the primary is killed, the replica promoted, and a task-tracker pointed at it serves again. Every task
// acknowledged before the end of the last archived WAL segment must be there. It prints the RPO and the RTO.
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  initdb,
  psql,
  runAsServer,
  serverDir,
  startPostgres,
  type RunningPostgres,
} from '../../generators/local-postgres';
import { ready, sample, startTaskTracker, type RunningTaskTracker } from '../../apps/task-tracker/launch';
import { freePort } from '../../generators/ports';
import { listKeys, startS3, type Process } from '../log-export/harness.testkit';
import { siteName } from './api';
import { barmanCloudBin, objectStore, S3_ENV } from './barman.testkit';

const BUCKET = 'acme-estate-databases';
const SERVER = siteName('task-tracker-db', 'onprem');
/** The drill's archive_timeout; the clusters' is 1min (api.ts ARCHIVE_TIMEOUT), which bounds their RPO the same way. */
const ARCHIVE_TIMEOUT_S = 2;
const WRITE_FOR_MS = 8_000;
const SEGMENT = 2n ** 24n;

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const lsn = (text: string) => {
  const [hi, lo] = text.trim().split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};
/** The first LSN after WAL segment `name` (timeline, log, segment: 8 hex digits each; 16 MiB segments). */
const segmentEnd = (name: string) =>
  (BigInt(`0x${name.slice(8, 16)}`) << 32n) + (BigInt(`0x${name.slice(16, 24)}`) + 1n) * SEGMENT;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tracker(url: string): Promise<RunningTaskTracker> {
  const tt = await startTaskTracker({ DATABASE_URL: url, DB_CHECK_INTERVAL: '100ms', DB_QUERY_TIMEOUT: '2s' });
  cleanup.push(() => tt.process.kill('SIGKILL'));
  return tt;
}

describe('failover drill', () => {
  it('loses nothing acknowledged before the last archived segment; prints RPO and RTO', async () => {
    const bin = barmanCloudBin();
    const s3Port = await freePort();
    const s3Dir = serverDir('drill-s3-');
    const s3: Process = await startS3(join(s3Dir, 's3.db'), s3Port, BUCKET);
    cleanup.push(() => s3.stop());
    const endpoint = `http://127.0.0.1:${s3Port}`;
    const store = objectStore(endpoint, BUCKET, SERVER).join(' ');

    // The primary site: archives every segment, and at least every ARCHIVE_TIMEOUT_S.
    const primaryDir = join(serverDir('drill-primary-'), 'data');
    initdb(primaryDir);
    const primary: RunningPostgres = await startPostgres(
      primaryDir,
      await freePort(),
      {
        archive_mode: 'on',
        archive_timeout: `${ARCHIVE_TIMEOUT_S}s`,
        // A -c value is taken as it is: no quotes, unlike postgresql.conf.
        archive_command: `${bin}/barman-cloud-wal-archive --gzip ${store} %p`,
      },
      S3_ENV,
    );
    cleanup.push(() => primary.kill());
    runAsServer(
      join(bin, 'barman-cloud-backup'),
      ['--gzip', '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'tt', ...objectStore(endpoint, BUCKET, SERVER)],
      S3_ENV,
    );

    // The replica site: restores the base backup and follows the archive, read-only.
    const replicaDir = join(serverDir('drill-replica-'), 'data');
    runAsServer(
      join(bin, 'barman-cloud-restore'),
      [...objectStore(endpoint, BUCKET, SERVER), 'latest', replicaDir],
      S3_ENV,
    );
    chmodSync(replicaDir, 0o700);
    runAsServer('/usr/bin/touch', [join(replicaDir, 'standby.signal')]);
    const replica = await startPostgres(
      replicaDir,
      await freePort(),
      { archive_mode: 'off', hot_standby: 'on', restore_command: `${bin}/barman-cloud-wal-restore ${store} %f %p` },
      S3_ENV,
    );
    cleanup.push(() => replica.kill());

    const writer = await ready(await tracker(primary.url));
    const follower = await tracker(replica.url);
    // A replica's app is not ready: its database answers but takes no writes.
    await until('the replica app to report a non-primary database', async () => {
      const text = await (await fetch(`${follower.metrics}/metrics`)).text();
      return sample(text, 'task_tracker_database_up') === 1 ? text : undefined;
    });
    expect((await fetch(`${follower.api}/readyz`)).status).toBe(503);
    expect(sample(await (await fetch(`${follower.metrics}/metrics`)).text(), 'task_tracker_database_primary')).toBe(0);

    // Writes through task-tracker; after each acknowledgement, the primary's WAL position covers its commit.
    const acked: { id: string; title: string; at: number; lsn: bigint }[] = [];
    const started = Date.now();
    while (Date.now() - started < WRITE_FOR_MS) {
      const title = `drill ${acked.length}`;
      const response = await fetch(`${writer.api}/tasks`, {
        method: 'POST',
        headers: { ...writer.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
      expect(response.status).toBe(201);
      const at = Date.now();
      const { id } = (await response.json()) as { id: string };
      acked.push({ id, title, at, lsn: lsn(psql(primary, 'SELECT pg_current_wal_lsn()')) });
    }
    await primary.kill();
    const killedAt = Date.now();

    const segments = (await listKeys(s3Port, BUCKET, `${SERVER}/wals/`))
      .map((key) => key.split('/').at(-1)!.replace(/\.gz$/, ''))
      .filter((name) => /^[0-9A-F]{24}$/.test(name))
      .sort();
    const lastArchived = segments.at(-1)!;
    const covered = acked.filter((t) => t.lsn <= segmentEnd(lastArchived));
    expect(covered.length).toBeGreaterThan(0);
    // The replica replays what the archive holds, then is promoted: CloudNativePG's promotion of a replica cluster.
    const needed = covered.at(-1)!.lsn;
    await until('the replica to replay the last archived segment', () =>
      lsn(psql(replica, 'SELECT pg_last_wal_replay_lsn()')) >= needed ? true : undefined,
    );
    // Without waiting in the server: a synchronous psql would block this process's timers.
    expect(psql(replica, 'SELECT pg_promote(wait => false)')).toBe('t');
    await until('the replica to leave recovery', () =>
      psql(replica, 'SELECT pg_is_in_recovery()') === 'f' ? true : undefined,
    );
    await ready(follower, 30_000);
    const response = await fetch(`${follower.api}/tasks`, {
      method: 'POST',
      headers: { ...follower.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'after failover' }),
    });
    expect(response.status).toBe(201);
    const rto = Date.now() - killedAt;

    const survived = new Set(
      (
        (
          (await (await fetch(`${follower.api}/tasks`, { headers: follower.auth })).json()) as {
            tasks: { title: string }[];
          }
        ).tasks ?? []
      ).map((t) => t.title),
    );
    expect(covered.filter((t) => !survived.has(t.title))).toEqual([]);
    const lost = acked.filter((t) => !survived.has(t.title));
    const newestSurvivor = acked.filter((t) => survived.has(t.title)).at(-1)!;
    // The RPO is asserted in WAL above (nothing covered by the archive is lost), not in milliseconds: its duration is
    // archive_timeout plus one barman-cloud upload, which a loaded machine stretches, so it is printed only.
    const rpo = lost.length ? acked.at(-1)!.at - newestSurvivor.at : 0;
    console.log(
      [
        `failover drill: ${acked.length} tasks acknowledged over ${WRITE_FOR_MS / 1000} s, ${segments.length} WAL segments` +
          ` archived (last ${lastArchived}), archive_timeout ${ARCHIVE_TIMEOUT_S}s`,
        `  covered by the archive: ${covered.length}, all present after promotion; lost: ${lost.length}`,
        `  RPO ${rpo} ms (acknowledged writes lost, newest survivor to last acknowledgement)`,
        `  RTO ${rto} ms (primary killed -> replica promoted -> task-tracker ready -> first write acknowledged)`,
      ].join('\n'),
    );
    for (const dir of [primaryDir, replicaDir])
      if (existsSync(dir)) cleanup.push(() => rmSync(dir, { recursive: true }));
  });
});
