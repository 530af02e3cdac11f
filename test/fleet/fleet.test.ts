/**
 * The fleet view end to end on a REAL broker (Kafka 4.x from Maven Central) with a REAL schema
 * registry (Apicurio Registry, test/kafka/helpers/apicurio.ts): events and agent records are
 * Confluent-framed Avro whose schemas the fleet fetches by id:
 *   - 300 simulated hosts (real `watch --replay --once --host`, each with its own SQLite store,
 *     publishing through the real Kafka connector and the agent publisher; 3 child processes run
 *     them, see hosts-child.ts) while 3 `fleet serve` processes share one consumer group;
 *   - one instance is SIGKILLed mid-stream and a fourth started: the fleet state then equals what
 *     the 300 local stores say (`fsfault status --json` of each), per filesystem state and error
 *     totals exact, nothing counted twice; every instance's API, `fleet status` and the page agree;
 *   - the page in headless Chromium (Debian's chromium) renders the counts and rows of the API;
 *   - an agent SIGKILLed shows as silent after 3 heartbeat intervals and recovers when it returns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KafkaTransport } from '../../connectors/kafka/kafkajs-adapter';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from '../kafka/helpers/broker';
import { startApicurio, type ApicurioHandle } from '../kafka/helpers/apicurio';
import type { FleetAgent, FleetFilesystem } from '../../fleet/merge';
import type { FsHealth } from '../../core/projections/fs-health';
import { freePort } from '../helpers/free-port';

const HOSTS = Number(process.env.FSFAULT_FLEET_HOSTS ?? 300);
const CHILDREN = 3;
const EVENTS_TOPIC = 'fleet-events';
const PARTITIONS = 12;
/** A stop after SIGTERM must end within this (its parts have 5 s deadlines; it takes < 1 s). */
const STOP_BOUND_MS = 10_000;
const FIXTURES = [
  'ext4-abort', 'ext4-data-eio', 'ext4-dirblock', 'ext4-journal-eio', 'ext4-ltp22', 'ext4-mballoc', 'ext4-remount-ro',
  'ext4-shutdown', 'ext4-trigger', 'ext4-trigger-1000', 'xfs-dirblock', 'xfs-eio', 'xfs-inode', 'xfs-shutdown',
];

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(300);
  }
}

interface Instance {
  url: string;
  child: ChildProcess;
  log: string;
}

function startServe(dir: string, config: string, port: number, name: string): Instance {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'w');
  const child = spawn(process.execPath, [cliPath, 'fleet', 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', out, out], cwd: repoRoot });
  fs.closeSync(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { url: `http://127.0.0.1:${port}`, child, log };
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

async function metric(i: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${i.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`metric ${name} missing`);
  return Number(m[1]);
}

function killHard(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    c.once('exit', () => r());
    c.kill('SIGKILL');
  });
}

/** A child process, asynchronously (the test's own timers and `live` bookkeeping keep running). */
function run(cmd: string, args: string[], timeoutMs = 90_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(c);
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.once('exit', (status) => {
      clearTimeout(t);
      live.delete(c);
      resolve({ status, stdout, stderr });
    });
  });
}

function chromiumBinary(): string {
  for (const c of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (!c) continue;
    if (spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0) return c;
  }
  throw new Error('headless Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome');
}

type Truth = Map<string, FsHealth[]>;

/** Compare the fleet rows with the local stores; returns a list of differences (empty = equal). */
function differences(rows: readonly FleetFilesystem[], truth: Truth): string[] {
  const diffs: string[] = [];
  const byKey = new Map(rows.map((r) => [`${r.host}/${r.key}`, r]));
  let expected = 0;
  for (const [host, fss] of truth) {
    for (const h of fss) {
      expected++;
      const r = byKey.get(`${host}/${h.key}`);
      if (!r) diffs.push(`${host}/${h.key}: missing`);
      else {
        if (r.state !== h.state) diffs.push(`${host}/${h.key}: state ${r.state} ≠ ${h.state}`);
        if (r.errors !== h.errors) diffs.push(`${host}/${h.key}: errors ${r.errors} ≠ ${h.errors}`);
        if (r.lost !== h.lost) diffs.push(`${host}/${h.key}: lost ${r.lost} ≠ ${h.lost}`);
        if (r.deaths !== h.deaths) diffs.push(`${host}/${h.key}: deaths ${r.deaths} ≠ ${h.deaths}`);
        if (JSON.stringify(Object.entries(r.byErrno).sort()) !== JSON.stringify(Object.entries(h.byErrno).sort())) diffs.push(`${host}/${h.key}: byErrno differ`);
      }
    }
  }
  // Anything else must be a watched filesystem its agent reported with no event at all.
  for (const r of rows) {
    const known = truth.get(r.host)?.some((h) => h.key === r.key);
    if (!known && (r.errors !== 0 || r.state !== 'healthy' || r.mode === null)) diffs.push(`${r.host}/${r.key}: in the fleet, not in its store`);
  }
  if (expected === 0) diffs.push('no filesystem in the local stores');
  return diffs;
}

interface HostsRun {
  /** Hosts finished so far. */
  done(): number;
  /** Resolves with the children's exit codes once every host is done. */
  finished: Promise<number[]>;
}

/**
 * Simulated hosts `prefix-000…` (real `watch --replay --once --host`, fixtures in turn), split over
 * CHILDREN child processes (hosts-child.ts); each finished host's `status` goes into `truth`.
 */
function publishHosts(dir: string, config: string, prefix: string, count: number, truth: Truth, failures: string[], onEvents: (n: number) => void): HostsRun {
  const jobs = Array.from({ length: count }, (_, i) => {
    const host = `${prefix}-${String(i).padStart(3, '0')}`;
    const stateDir = path.join(dir, 'hosts', host);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    return { host, replay: path.join(fixturesDir, `${FIXTURES[i % FIXTURES.length]}.jsonl`), stateDir };
  });
  let done = 0;
  const children = Array.from({ length: CHILDREN }, (_, c) => {
    const file = path.join(dir, `jobs-${prefix}-${c}.json`);
    fs.writeFileSync(file, JSON.stringify(jobs.filter((_, i) => i % CHILDREN === c)));
    const child = spawn(process.execPath, [path.join(__dirname, 'hosts-child.js'), file, config, '6'], { stdio: ['ignore', 'pipe', 'inherit'], cwd: repoRoot });
    live.add(child);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { host: string; error?: string; status?: { host: { events: number }; filesystems: FsHealth[] } };
        buf = buf.slice(nl + 1);
        done++;
        if (line.error) failures.push(`${line.host}: ${line.error}`);
        else {
          truth.set(line.host, line.status!.filesystems);
          onEvents(line.status!.host.events);
        }
      }
    });
    return new Promise<number>((r) => child.once('exit', (code) => (live.delete(child), r(code ?? -1))));
  });
  return { done: () => done, finished: Promise.all(children) };
}

/** Rows of the hosts the test knows (other tests' agents, like quiet-host, publish too). */
const known = (rows: readonly FleetFilesystem[], truth: Truth) => rows.filter((r) => truth.has(r.host));

describe('fleet view on a real broker', { timeout: 600_000 }, () => {
  let broker: BrokerHandle;
  let registry: ApicurioHandle;
  let dir: string;
  let config: string;
  const instances: Instance[] = [];
  const truth: Truth = new Map();
  let eventsPublished = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-fleet-'));
    [broker, registry] = await Promise.all([startBroker({ version: KAFKA_VERSIONS[0]! }), startApicurio()]);
    config = path.join(dir, 'fleet.yaml');
    fs.writeFileSync(
      config,
      [
        'kafka:',
        `  brokers: ["${broker.bootstrap}"]`,
        `  topic: ${EVENTS_TOPIC}`,
        `  registry: { urls: ["${registry.url}"] }`,
        '  retry: { initialMs: 100, maxMs: 1000 }',
        '  batch: { lingerMs: 0 }',
        '  agents: { intervalMs: 1000 }',
        'store: { durability: "off" }',
        'queue: { lingerMs: 0 }',
        'fleet: { sessionTimeoutMs: 6000, silentAfterIntervals: 3 }',
        '',
      ].join('\n'),
    );
    const t = new KafkaTransport({ brokers: [broker.bootstrap], clientId: 'fleet-test', compression: 'none' });
    await t.createTopic(EVENTS_TOPIC, PARTITIONS);
  });

  after(async () => {
    for (const c of [...live]) await killHard(c);
    await registry?.stop();
    await broker?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${HOSTS} hosts, 3 instances, one SIGKILLed mid-stream and one started: the fleet equals the local stores`, async () => {
    for (let i = 0; i < 3; i++) instances.push(startServe(dir, config, await freePort(), `serve-${i}`));
    for (const i of instances) await until(`${i.url}/readyz`, 90_000, async () => (await fetch(`${i.url}/readyz`)).status === 200);

    // The hosts, split over a few child processes.
    const failures: string[] = [];
    const hosts = publishHosts(dir, config, 'host', HOSTS, truth, failures, (n) => (eventsPublished += n));
    const done = () => hosts.done();

    // Mid-stream: once a fifth of the hosts are done, and the victim has folded something.
    const victim = instances[0]!;
    await until('a fifth of the hosts', 240_000, async () => done() >= HOSTS / 5);
    const victimApplied = await metric(victim, 'fsfault_fleet_events_applied');
    await killHard(victim.child);
    const stillRunning = done() < HOSTS;
    instances.push(startServe(dir, config, await freePort(), 'serve-3'));

    const codes = await hosts.finished;
    assert.deepEqual(codes, Array(CHILDREN).fill(0), 'host children');
    assert.deepEqual(failures, []);
    assert.equal(truth.size, HOSTS);
    assert.ok(stillRunning, 'the instance was killed while hosts were still publishing');
    assert.ok(victimApplied > 0, 'the killed instance had folded events before it died');

    const alive = instances.slice(1);
    // Converged: no lag on any live instance and the API equals the stores.
    let last: string[] = [];
    await until('the fleet to equal the local stores', 120_000, async () => {
      const lags = await Promise.all(alive.map((i) => metric(i, 'fsfault_fleet_consumer_lag_messages')));
      const owned = await Promise.all(alive.map((i) => metric(i, 'fsfault_fleet_partitions_owned')));
      if (lags.some((l) => l !== 0) || owned.reduce((a, b) => a + b, 0) !== PARTITIONS) return false;
      const api = await getJson<{ filesystems: FleetFilesystem[] }>(`${alive[0]!.url}/api/filesystems`);
      last = differences(api.filesystems, truth);
      return last.length === 0;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\nfirst differences:\n${last.slice(0, 20).join('\n')}`);
    });

    // Nothing counted twice: the fleet's totals are the stores' totals.
    const api = await getJson<{ counts: Record<string, number>; filesystems: FleetFilesystem[] }>(`${alive[0]!.url}/api/filesystems`);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(api.filesystems.map((f) => f.errors)), sum([...truth.values()].flatMap((fss) => fss.map((h) => h.errors))));
    assert.ok(eventsPublished > HOSTS, `events published: ${eventsPublished}`);
    const states = new Set(api.filesystems.map((f) => f.state));
    assert.ok(states.has('dead') && states.has('degraded'), `states seen: ${[...states].join(',')}`);

    // Every live instance answers the same; so does `fleet status` with no service.
    await until('every instance to have read the whole fleet-state topic', 60_000, async () => {
      const all = await Promise.all(alive.map((i) => getJson<{ filesystems: FleetFilesystem[] }>(`${i.url}/api/filesystems`)));
      return all.every((a) => JSON.stringify(a.filesystems) === JSON.stringify(api.filesystems));
    });
    const st = await run(process.execPath, [cliPath, 'fleet', 'status', '--config', config, '--json']);
    assert.equal(st.status, 0, st.stderr);
    assert.deepEqual((JSON.parse(st.stdout) as { filesystems: FleetFilesystem[] }).filesystems, api.filesystems);
    const dead = await run(process.execPath, [cliPath, 'fleet', 'status', '--config', config, '--state', 'dead']);
    assert.equal(dead.status, 0, dead.stderr);
    assert.match(dead.stdout, new RegExp(`^${api.counts.dead} filesystems: ${api.counts.dead} dead, 0 degraded, 0 healthy`));

    // The page in headless Chromium: counts and rows are the API's.
    const profile = path.join(dir, 'chromium');
    const r = await run(chromiumBinary(), [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', `--user-data-dir=${profile}`,
      '--virtual-time-budget=8000', '--dump-dom', `${alive[0]!.url}/`,
    ]);
    assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
    const dom = r.stdout;
    assert.match(dom, /data-loaded="1"/);
    for (const s of ['dead', 'degraded', 'healthy']) {
      assert.equal(Number(new RegExp(`id="count-${s}">(\\d+)<`).exec(dom)?.[1]), api.counts[s], `page count ${s}`);
    }
    const pageRows = [...dom.matchAll(/<tr class="\w+" data-host="([^"]+)" data-key="([^"]+)" data-state="(\w+)" data-errors="(\d+)">/g)];
    assert.equal(pageRows.length, api.filesystems.length);
    const apiByKey = new Map(api.filesystems.map((f) => [`${f.host}/${f.key}`, f]));
    for (const [, host, key, state, errors] of pageRows) {
      const f = apiByKey.get(`${host}/${key}`);
      assert.ok(f, `page row ${host}/${key} not in the API`);
      assert.equal(state, f.state);
      assert.equal(Number(errors), f.errors);
    }
  });

  it('an agent stopped without notice is silent after 3 intervals and recovers when it returns', async () => {
    const i = instances.at(-1)!;
    const stateDir = path.join(dir, 'hosts', 'quiet-host');
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const startAgent = () => {
      // No --once: after the replay it keeps running (and heartbeating) like a live agent.
      const c = spawn(process.execPath, [cliPath, 'watch', '--config', config, '--replay', path.join(fixturesDir, 'ext4-trigger.jsonl'), '--host', 'quiet-host', '--state-dir', stateDir, '--no-stdout'], { stdio: 'ignore', cwd: repoRoot });
      live.add(c);
      return c;
    };
    const agentStatus = async () => (await getJson<{ agents: FleetAgent[] }>(`${i.url}/api/agents?host=quiet-host`)).agents[0]?.status;
    let agent = startAgent();
    await until('the agent to be running', 60_000, async () => (await agentStatus()) === 'running');
    const killedAt = Date.now();
    await killHard(agent);
    await until('the agent to be silent', 30_000, async () => (await agentStatus()) === 'silent');
    assert.ok(Date.now() - killedAt >= 2000, 'silent only after about 3 intervals of 1 s');
    assert.equal(await metric(i, 'fsfault_fleet_silent_agents'), 1);
    const silent = await getJson<{ agents: FleetAgent[] }>(`${i.url}/api/agents?status=silent`);
    assert.deepEqual(silent.agents.map((a) => a.host), ['quiet-host']);
    agent = startAgent();
    await until('the agent to run again', 60_000, async () => (await agentStatus()) === 'running');
    assert.equal(await metric(i, 'fsfault_fleet_silent_agents'), 0);
    agent.kill('SIGTERM');
    await until('the agent to say goodbye', 30_000, async () => (await agentStatus()) === 'stopped');
  });

  it('SIGTERM while hosts publish: every instance exits promptly with 0, and a new instance restores a fleet equal to the stores', async () => {
    const alive = instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
    assert.ok(alive.length >= 2, `${alive.length} live instances`);
    // More hosts publish while the instances are stopped: batches are being folded and written.
    const failures: string[] = [];
    const more = publishHosts(dir, config, 'late', 30, truth, failures, () => undefined);
    await until('a few late hosts', 120_000, async () => more.done() >= 5);
    const t0 = Date.now();
    const exits = await Promise.all(
      alive.map(
        (i) =>
          new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; log: string }>((r) => {
            // Waited for at most 3 × the bound, then killed: the test fails instead of hanging.
            const t = setTimeout(() => i.child.kill('SIGKILL'), 3 * STOP_BOUND_MS);
            i.child.once('exit', (code, signal) => (clearTimeout(t), r({ code, signal, ms: Date.now() - t0, log: i.log })));
            i.child.kill('SIGTERM');
          }),
      ),
    );
    for (const e of exits) {
      assert.equal(e.code, 0, `exit ${e.code} / ${e.signal}: ${fs.readFileSync(e.log, 'utf8').slice(-2000)}`);
      // Bounded: the member's write in flight (≤ 5 s) and leaving the group (≤ 5 s) each have a
      // deadline; a clean stop takes well under a second. It used to take tens of seconds.
      assert.ok(e.ms < STOP_BOUND_MS, `an instance took ${e.ms} ms to exit after SIGTERM`);
    }
    assert.deepEqual(await more.finished, Array(CHILDREN).fill(0), 'late host children');
    assert.deepEqual(failures, []);

    // Nothing committed was lost, nothing counts twice: a new instance restores the state and
    // folds the rest; the fleet then equals every store.
    const fresh = startServe(dir, config, await freePort(), 'serve-after-sigterm');
    instances.push(fresh);
    let last: string[] = [];
    await until('the fleet after the SIGTERM to equal the local stores', 120_000, async () => {
      if ((await metric(fresh, 'fsfault_fleet_consumer_lag_messages')) !== 0 || (await metric(fresh, 'fsfault_fleet_partitions_owned')) !== PARTITIONS) return false;
      const api = await getJson<{ filesystems: FleetFilesystem[] }>(`${fresh.url}/api/filesystems`);
      last = differences(known(api.filesystems, truth), truth);
      return last.length === 0;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\nfirst differences:\n${last.slice(0, 20).join('\n')}`);
    });
    const api = await getJson<{ filesystems: FleetFilesystem[] }>(`${fresh.url}/api/filesystems`);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(known(api.filesystems, truth).map((f) => f.errors)), sum([...truth.values()].flatMap((fss) => fss.map((h) => h.errors))));
  });
});
