/**
 * The fleet fold (fleet/fold.ts + fleet/merge.ts) against the local projection: random logs of
 * many hosts, split over partitions by the connector's own message key and partitioner, folded per
 * partition and merged, equal per filesystem what `fsfault status` folds from each host's log —
 * also when batches are delivered again at random (at-least-once) and after a restore from the
 * written records. Plus the agent-only filesystems, the silent rule, and the agent record's Avro.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldAll, UNATTRIBUTED_KEY } from '../../core/projections/fs-health';
import type { FsEvent } from '../../core/model/event';
import { agentSchema, decodeAgent, type AgentRecord } from '../../core/schema/agent-schema';
import { messageKey } from '../../connectors/kafka/message-key';
import { KafkaTransport } from '../../connectors/kafka/kafkajs-adapter';
import { PartitionFold } from '../../fleet/fold';
import { agentStatus, fleetAgents, fleetFilesystems } from '../../fleet/merge';
import { decodeState, encodeState, stateKey, type FleetStateRecord } from '../../fleet/state-record';
import { StateRecords } from '../../fleet/state-records';
import { randomEvents, rng } from './store-test-events';

const PARTITIONS = 5;
const transport = new KafkaTransport({ brokers: ['127.0.0.1:1'], clientId: 't', compression: 'none' });

interface Msg {
  partition: number;
  host: string;
  offset: number;
  event: FsEvent;
}

function fleetLog(seed: number, hosts: number, perHost: number): { msgs: Msg[]; byHost: Map<string, { offset: number; event: FsEvent }[]> } {
  const r = rng(seed);
  const msgs: Msg[] = [];
  const byHost = new Map<string, { offset: number; event: FsEvent }[]>();
  for (let h = 0; h < hosts; h++) {
    const host = `host-${h}`;
    // One type per device, as on a host (the random log also flips types, which moves a device's
    // events to another message key: see merge.ts for that case).
    const log = randomEvents(r, perHost).map((e, i) => ({ offset: i + 1, event: { ...e, host, fs: e.fs.type === '*' ? e.fs : { ...e.fs, type: 'ext4' } } }));
    byHost.set(host, log);
    for (const s of log) msgs.push({ partition: transport.partitionFor('t', messageKey(s.event), PARTITIONS), host, offset: s.offset, event: s.event });
  }
  return { msgs, byHost };
}

/** Fold every partition's messages; `redeliver` replays random earlier stretches (at-least-once). */
function foldFleet(msgs: readonly Msg[], r: () => number, redeliver: boolean): FleetStateRecord[] {
  const out: FleetStateRecord[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = msgs.filter((m) => m.partition === p);
    let fold = new PartitionFold(p);
    for (let i = 0; i < mine.length; i++) {
      const m = mine[i]!;
      fold.apply(m.event, { host: m.host, storeOffset: m.offset, storeId: null });
      if (redeliver && r() < 0.05) {
        // A crash: restore from what was written (serialised), then the uncommitted tail again.
        const written = [...fold.records.values()].map((x) => decodeState(encodeState(x))!);
        fold = new PartitionFold(p, written);
        const from = Math.max(0, i - Math.floor(r() * 20));
        for (let j = from; j <= i; j++) fold.apply(mine[j]!.event, { host: mine[j]!.host, storeOffset: mine[j]!.offset, storeId: null });
      }
    }
    out.push(...fold.records.values());
  }
  return out;
}

function assertMatchesLocal(states: FleetStateRecord[], byHost: Map<string, { offset: number; event: FsEvent }[]>): void {
  const fleet = fleetFilesystems(states, []);
  let compared = 0;
  for (const [host, log] of byHost) {
    const local = foldAll(log);
    for (const h of local.filesystems.values()) {
      const f = fleet.find((x) => x.host === host && x.key === h.key);
      assert.ok(f, `${host}/${h.key} missing from the fleet`);
      assert.equal(f.state, h.state, `${host}/${h.key} state`);
      assert.equal(f.errors, h.errors, `${host}/${h.key} errors`);
      assert.deepEqual(f.byErrno, h.byErrno, `${host}/${h.key} byErrno`);
      assert.equal(f.lost, h.lost, `${host}/${h.key} lost`);
      assert.equal(f.deaths, h.deaths, `${host}/${h.key} deaths`);
      assert.equal(f.suppressed, h.suppressed, `${host}/${h.key} suppressed`);
      assert.deepEqual(f.lastDied, h.lastDied, `${host}/${h.key} lastDied`);
      assert.deepEqual(f.firstError, h.firstError, `${host}/${h.key} firstError`);
      compared++;
    }
    assert.equal(fleet.filter((x) => x.host === host).length, local.filesystems.size, `${host}: no extra filesystems`);
  }
  assert.ok(compared > 20);
}

describe('fleet fold', () => {
  it('equals the local status projection per filesystem (events split over partitions by message key)', () => {
    for (const seed of [1, 2, 3]) {
      const { msgs, byHost } = fleetLog(seed, 12, 300);
      assertMatchesLocal(foldFleet(msgs, rng(seed), false), byHost);
    }
  });

  it('counts nothing twice when batches are delivered again and the state is restored in between', () => {
    for (const seed of [4, 5, 6]) {
      const { msgs, byHost } = fleetLog(seed, 12, 300);
      const r = rng(seed * 7);
      const states = foldFleet(msgs, r, true);
      assertMatchesLocal(states, byHost);
    }
  });

  it('a LOST event whose records were only partly written before a crash is applied to the rest only', () => {
    const { msgs } = fleetLog(9, 1, 200);
    const lost = msgs.find((m) => m.event.kind === 'LOST' && (m.event.lost?.byFilesystem.length ?? 0) > 0)!;
    const fold = new PartitionFold(lost.partition);
    const meta = { host: lost.host, storeOffset: lost.offset, storeId: null };
    fold.apply(lost.event, meta);
    const once = JSON.stringify([...fold.records.values()].map((x) => x.health));
    fold.apply(lost.event, meta);
    assert.equal(JSON.stringify([...fold.records.values()].map((x) => x.health)), once);
    assert.equal(fold.skipped, 1);
  });

  it('a new store identity of a host is not mistaken for offsets already applied', () => {
    const { msgs } = fleetLog(10, 1, 50);
    const m = msgs[0]!;
    const fold = new PartitionFold(m.partition);
    fold.apply(m.event, { host: m.host, storeOffset: 5, storeId: 'store-a' });
    fold.apply(m.event, { host: m.host, storeOffset: 1, storeId: 'store-b' });
    const rec = [...fold.records.values()].find((x) => x.health.key !== UNATTRIBUTED_KEY)!;
    assert.deepEqual(rec.applied, { storeId: 'store-b', offset: 1 });
  });
});

function agent(host: string, over: Partial<AgentRecord> = {}): AgentRecord {
  return {
    host,
    version: '0.1.0',
    kernel: '6.18.0',
    storeId: null,
    startTime: 1_700_000_000_000_000,
    heartbeatTime: 1_700_000_010_000_000,
    intervalMs: 1000,
    stoppedTime: null,
    filesystems: [{ identity: { type: 'xfs', device: 'sdb1', majorMinor: '8:17', fsid: null, uuid: 'u-1', mountPoint: '/data', mountUid: null }, mode: 'fanotify+kmsg', state: 'healthy', errors: 0, lost: 0 }],
    lost: 0,
    lostByReason: {},
    events: 0,
    ...over,
  };
}

describe('fleet agents', () => {
  it('a watched filesystem without events is in the fleet as healthy, with its mode', () => {
    const rows = fleetFilesystems([], [agent('quiet')]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.host, 'quiet');
    assert.equal(rows[0]!.state, 'healthy');
    assert.equal(rows[0]!.mode, 'fanotify+kmsg');
    assert.equal(rows[0]!.type, 'xfs');
  });

  it('silent after the configured number of intervals without a heartbeat; stopped when it said goodbye', () => {
    const a = agent('h');
    assert.equal(agentStatus(a, a.heartbeatTime + 2_999_000, 3), 'running');
    assert.equal(agentStatus(a, a.heartbeatTime + 3_001_000, 3), 'silent');
    assert.equal(agentStatus({ ...a, stoppedTime: a.heartbeatTime }, a.heartbeatTime + 60_000_000, 3), 'stopped');
    assert.deepEqual(fleetAgents([a], a.heartbeatTime + 10_000_000, 3).map((x) => x.status), ['silent']);
  });

  it('the agent record survives Avro encoding (the schema `fsfault schema --agent` prints)', () => {
    const s = agentSchema();
    const a = agent('h', { lostByReason: { 'kmsg-overrun': 3 }, lost: 3, stoppedTime: 1_700_000_020_000_000 });
    assert.deepEqual(decodeAgent(s.type.toBuffer(a)), a);
    assert.match(s.fingerprint, /^[0-9a-f]{16}$/);
  });
});

describe('fleet-state records', () => {
  it('are Avro (version byte 2), round-trip every folded record as plain data, and version-1 JSON values still restore', () => {
    const { msgs } = fleetLog(11, 6, 120);
    const records = foldFleet(msgs, rng(5), false);
    assert.ok(records.length > 20);
    let avroBytes = 0;
    let jsonBytes = 0;
    for (const r of records) {
      const v = encodeState(r);
      assert.equal(v[0], 2);
      avroBytes += v.length;
      // A record from the random log (deaths, losses, suppressed, mount ids…) comes back equal,
      // as plain objects (deepStrictEqual compares prototypes).
      assert.deepStrictEqual(decodeState(v), r);
      // What fsfault wrote before version 2: JSON with v 1, read as the same record.
      const json = Buffer.from(JSON.stringify({ ...r, v: 1 }));
      jsonBytes += json.length;
      assert.deepStrictEqual(decodeState(json), r);
    }
    assert.ok(avroBytes * 2 < jsonBytes, `Avro ${avroBytes} bytes vs JSON ${jsonBytes}`);
    for (const bad of [Buffer.from('{"v":9}'), Buffer.from([9, 1, 2]), Buffer.from([2, 0xff]), Buffer.alloc(0)]) assert.equal(decodeState(bad), null);
    assert.equal(decodeState(null), null);
  });

  it('are kept undecoded by the view until needed: a query sees the latest record per key, a restore only its partitions, bytes not tied to the fetched buffer', () => {
    const { msgs } = fleetLog(12, 8, 80);
    const records = foldFleet(msgs, rng(6), false);
    const store = new StateRecords();
    const expected = new Map<string, FleetStateRecord>();
    for (const r of records) {
      const key = stateKey(r.partition, r.host, r.health.key);
      // An older record of the same key first, then the latest: only the latest counts.
      store.apply(key, encodeState({ ...r, updatedAt: 1 }));
      // As kafkajs hands them: a view into a larger buffer, reused once the batch is done.
      const v = encodeState(r);
      const fetched = Buffer.concat([Buffer.from('xx'), v, Buffer.from('yy')]);
      store.apply(key, fetched.subarray(2, 2 + v.length));
      fetched.fill(0);
      expected.set(key, r);
    }
    // Not a state record this code reads: ignored, the previous one stays (as before the lazy store).
    const [k0, r0] = [...expected][0]!;
    store.apply(k0, Buffer.from([9, 1, 2]));
    assert.equal(store.size, expected.size);
    assert.deepStrictEqual(store.get(k0), r0);
    const parts = new Set([0, 3]);
    assert.deepStrictEqual(
      [...store.ofPartitions(parts)].sort((a, b) => a.host.localeCompare(b.host) || a.health.key.localeCompare(b.health.key) || a.partition - b.partition),
      [...expected.values()].filter((r) => parts.has(r.partition)).sort((a, b) => a.host.localeCompare(b.host) || a.health.key.localeCompare(b.health.key) || a.partition - b.partition),
    );
    assert.deepStrictEqual(new Map([...store.values()].map((r) => [stateKey(r.partition, r.host, r.health.key), r])), expected);
    // A tombstone removes the key; a corrupt version-2 body is dropped (and counted) when needed.
    store.apply(k0, null);
    assert.equal(store.get(k0), undefined);
    store.apply('0/h/x', Buffer.from([2, 0xff]));
    assert.equal([...store.values()].length, expected.size - 1);
    assert.equal(store.undecodable, 1);
  });
});
