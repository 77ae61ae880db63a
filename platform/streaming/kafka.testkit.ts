// The real Kafka pieces the streaming tests and the benchmark run on loopback, all from Maven Central with the
// machine's JDK: a KRaft broker (one combined broker+controller node), the stream job, and Kafka's own tools to
// create and read topics. Jars are cached under .cache/streaming/ and .cache/maven/.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { folderDigest, publishFolder } from '../../generators/cache-seal';
import { lockBuild } from '../../generators/go-tools';
import { freePort } from '../../generators/ports';
import { repoRoot } from '../../generators/repo';
import { MAVEN_REPO } from '../../generators/validate/maven-crds';
import { versions } from '../../generators/versions';

const here = join(repoRoot, 'platform', 'streaming');
const cache = join(repoRoot, '.cache', 'streaming');
const kafkaDir = join(cache, `kafka-${versions.kafkaBroker}`);

/**
 * A cluster id for `kafka-storage format -t`. Kafka's parser takes an id that starts with '-' for an option
 * (one random id in 64), so Kafka's own Uuid.randomUuid() draws again on a '-'; since KAFKA-20072 (apache/kafka
 * #21313) on a '-' anywhere, which is the rule followed here.
 */
export function kafkaClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.includes('-')) return id;
  }
}

function mvn(pom: string, args: string[]): void {
  const run = spawnSync('mvn', ['-B', '-q', `-Dmaven.repo.local=${MAVEN_REPO}`, '-f', pom, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    const out = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error?.message ?? ''}`.trim().split('\n').slice(-20);
    throw new Error(`mvn -f ${pom} ${args.join(' ')} failed:\n${out.join('\n')}`);
  }
}

/**
 * Builds a cached folder once across parallel test workers, one Maven build at a time: Maven 3.8 does not lock its
 * local repository against another process. The folder is built aside and renamed into place, so one that exists is
 * whole.
 */
function buildOnce(dir: string, build: (staging: string) => void): void {
  if (existsSync(dir)) return;
  mkdirSync(cache, { recursive: true });
  const lock = lockBuild(join(cache, 'maven'), () => existsSync(dir));
  if (!lock) return;
  try {
    if (existsSync(dir)) return;
    const staging = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    build(staging);
    publishFolder(staging, dir);
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The broker's and tools' classpath; the first call copies the jars (≈ 90, 100 MB) into the cache. */
export function kafkaClasspath(): string {
  buildOnce(kafkaDir, (staging) =>
    mvn(join(here, 'broker', 'pom.xml'), [
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ]),
  );
  return `${kafkaDir}/*`;
}

/** The stream job's classpath; the first call for its sources runs `mvn package`, JUnit tests included. */
export function streamJobClasspath(): string {
  // Named after the job's files: an edit builds a new folder.
  const dir = join(cache, `job-${folderDigest(join(here, 'job')).slice(0, 16)}`);
  buildOnce(dir, (staging) => mvn(join(here, 'job', 'pom.xml'), [`-Dstreaming.build=${staging}`, 'package']));
  return `${join(dir, 'task-aggregates.jar')}:${join(dir, 'lib')}/*`;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

/** Runs a Kafka tool class to completion; rejects with its output when it fails. */
export function kafkaTool(main: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx256m', '-cp', kafkaClasspath(), main, ...args], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${main} ${args.join(' ')} exited ${code}: ${err.split('\n').slice(-10).join('\n')}`));
    });
  });
}

export interface Broker {
  bootstrap: string;
  /** The SASL_SSL listener (SCRAM-SHA-512 over TLS), when started with `tls`. */
  secureBootstrap?: string;
  /** Stops the broker (SIGTERM, a clean shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data, and waits until it accepts connections. */
  start(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/** A listener as the Strimzi `tls` listener is: SCRAM-SHA-512 over TLS, with these users and this key and chain. */
export interface BrokerTls {
  /** A PEM file with the broker's PKCS#8 private key (unencrypted) and its certificate chain. */
  keystore: string;
  users: { name: string; password: string }[];
}

/**
 * A single-node KRaft broker on loopback ports, with its data in a temporary folder. The PLAINTEXT listener carries
 * the tests' tools and the replication; `tls` adds a SASL_SSL one for the clients under test.
 */
export async function startBroker(tls?: BrokerTls): Promise<Broker> {
  const [port, controllerPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'kafka-'));
  const secure = tls
    ? [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${tlsPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${tlsPort}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
        'inter.broker.listener.name=PLAINTEXT',
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${tls.keystore}`,
      ]
    : [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      ];
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      ...secure,
      'controller.listener.names=CONTROLLER',
      `log.dirs=${join(dir, 'data')}`,
      // One node: every internal topic (offsets, transactions, share state) has one replica.
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const clusterId = kafkaClusterId();
  // SCRAM credentials are written into the metadata log at format time (KIP-900), as Strimzi's User Operator would
  // set them through the Admin API.
  const scram = (tls?.users ?? []).flatMap((u) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`,
  ]);
  await kafkaTool('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', properties, ...scram]);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const broker: Broker = {
    bootstrap: `127.0.0.1:${port}`,
    ...(tls ? { secureBootstrap: `127.0.0.1:${tlsPort}` } : {}),
    async start() {
      child = spawn('java', ['-Xmx512m', '-cp', kafkaClasspath(), 'kafka.Kafka', properties], { stdio: 'ignore' });
      const running = child;
      exited = new Promise((resolve) => running.on('close', () => resolve()));
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (!(await accepts(port))) {
        if (running.exitCode !== null) throw new Error(`the Kafka broker exited (${running.exitCode}) at start`);
        if (Date.now() > deadline) throw new Error(`the Kafka broker did not listen on ${port} within 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited;
      child = undefined;
    },
  };
  await broker.start();
  return broker;
}

export async function createTopic(broker: Broker, topic: string, partitions: number, config: string[] = []) {
  await kafkaTool('org.apache.kafka.tools.TopicCommand', [
    '--bootstrap-server',
    broker.bootstrap,
    '--create',
    '--if-not-exists',
    '--topic',
    topic,
    '--partitions',
    String(partitions),
    '--replication-factor',
    '1',
    ...config.flatMap((c) => ['--config', c]),
  ]);
}

/** Every committed record of a topic as [key, value], read with Kafka's console consumer until it is idle. */
export async function readTopic(broker: Broker, topic: string, idleMs = 4000): Promise<[string, string][]> {
  const out = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server',
    broker.bootstrap,
    '--topic',
    topic,
    '--from-beginning',
    '--timeout-ms',
    String(idleMs),
    '--property',
    'print.key=true',
    '--property',
    'key.separator=\t',
    '--consumer-property',
    'isolation.level=read_committed',
  ]);
  return out
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const tab = line.indexOf('\t');
      return [line.slice(0, tab), line.slice(tab + 1)];
    });
}

export interface RunningJob {
  process: ChildProcess;
  metrics: string;
  stop(): Promise<void>;
}

/** The stream job against `broker` (`env` overrides its settings); resolves once it has started its stream threads. */
export async function startStreamJob(
  broker: Broker,
  cluster: string,
  env: Record<string, string> = {},
): Promise<RunningJob> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'streams-'));
  mkdirSync(state, { recursive: true });
  const child = spawn('java', ['-Xmx512m', '-cp', streamJobClasspath(), 'com.acme.streaming.Main'], {
    env: {
      PATH: process.env.PATH ?? '',
      CLUSTER: cluster,
      METRICS_PORT: String(port),
      WINDOW_GRACE_SECONDS: '5',
      KAFKA_BOOTSTRAP_SERVERS: broker.bootstrap,
      KAFKA_STATE_DIR: state,
      KAFKA_COMMIT_INTERVAL_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stream job did not start within 60 s: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('task-aggregates: started')) clearTimeout(timer), resolve();
    });
    void exited.then(() => (clearTimeout(timer), reject(new Error(`the stream job exited: ${stderr}`))));
  });
  return {
    process: child,
    metrics: `http://127.0.0.1:${port}/metrics`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
