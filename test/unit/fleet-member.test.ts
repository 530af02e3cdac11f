/**
 * The fleet's consumer-group member (fleet/group-member.ts) with a test double (named as such) for
 * kafkajs' consumer: the batches of several partitions handed over at once, as kafkajs does for one
 * fetch. What a real broker cannot show deterministically is checked here:
 *   - the partitions folded while no write is in flight share ONE state write and ONE commit of all
 *     their offsets (it used to be one produce + one commit per partition batch: the fold ran at
 *     the speed of round trips), and that commit comes only after the write was acknowledged;
 *   - a failed state write commits nothing, every waiting batch fails (kafkajs fetches them
 *     again), and the redelivered batches skip what the fold holds while the records are written;
 *   - batches waiting for the write keep the group membership alive (heartbeats); a consumer
 *     kafkajs stopped for good fails the member, so `fleet serve` exits instead of idling.
 * The real broker runs the member in test/fleet/fleet.test.ts and bench/fleet.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemaFor } from '../../core/container';
import { Config } from '../../core/config/schema';
import { EventCodec } from '../../core/schema/codec';
import type { ConsumedBatch, GroupConsumerOptions, KafkaTransport, OutMessage } from '../../connectors/kafka/kafkajs-adapter';
import { slicePerPartition } from '../../connectors/kafka/kafkajs-adapter';
import { frameSingleObject } from '../../connectors/kafka/single-object';
import { buildHeaders } from '../../connectors/kafka/headers';
import { FleetMember } from '../../fleet/group-member';
import { AvroValues } from '../../fleet/avro-values';
import type { TopicView } from '../../fleet/topic-view';
import { decodeState } from '../../fleet/state-record';
import { StateRecords } from '../../fleet/state-records';
import { randomEvents, rng } from './store-test-events';

const PARTITIONS = 6;
const schema = schemaFor(Config.parse({}));
const codec = new EventCodec(schema);

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};

/** Test double of the transport + kafkajs group consumer: records sends and commits in order. */
function harness() {
  const log: string[] = [];
  const sends: OutMessage[][] = [];
  const compressions: (string | undefined)[] = [];
  const commits: Map<number, bigint>[] = [];
  let gate: Deferred | null = null;
  let failNext: Error | null = null;
  let opts!: GroupConsumerOptions;
  const transport = {
    partitionCount: async () => PARTITIONS,
    partitionFor: (_t: string, key: string, n: number) => key.length % n,
    send: async (_t: string, messages: OutMessage[], compression?: string) => {
      log.push(`send ${messages.length}`);
      compressions.push(compression);
      if (gate) await gate.promise;
      if (failNext) {
        const e = failNext;
        failNext = null;
        throw e;
      }
      sends.push(messages);
      log.push('acked');
    },
    groupConsumer: async (o: GroupConsumerOptions) => {
      opts = o;
      return {
        commit: async (_t: string, offsets: ReadonlyMap<number, bigint>) => {
          commits.push(new Map(offsets));
          log.push(`commit ${[...offsets.keys()].sort((a, b) => a - b).join(',')}`);
        },
        committed: async () => new Map(),
        stop: async () => undefined,
      };
    },
  } as unknown as KafkaTransport;
  const view = { states: new StateRecords(), caughtUp: async () => undefined } as unknown as TopicView;
  const member = new FleetMember(transport, { group: 'g', eventsTopic: 'events', stateTopic: 'state', sessionTimeoutMs: 6000, stateCompression: Config.parse({}).fleet.stateCompression }, new AvroValues(null, [schema]), codec, view, () => undefined);
  return {
    member,
    log,
    sends,
    compressions,
    commits,
    opts: () => opts,
    hold: () => (gate = deferred()),
    failNext: (e: Error) => (failNext = e),
  };
}

/** One batch per partition, each with events of its own hosts (store offsets from 1). */
function batches(): ConsumedBatch[] {
  const r = rng(7);
  return Array.from({ length: PARTITIONS }, (_, partition) => {
    const host = `host-${partition}`;
    const events = randomEvents(r, 20).map((e) => ({ ...e, host }));
    return {
      topic: 'events',
      partition,
      highWatermark: BigInt(events.length),
      messages: events.map((e, i) => ({
        partition,
        offset: String(i),
        key: Buffer.from(host),
        value: frameSingleObject(schema.fingerprint, codec.encode(e)),
        headers: buildHeaders({ eventId: e.id, storeId: `store-${host}`, storeOffset: i + 1, host, fingerprint: schema.fingerprint, schemaId: null }),
        timestamp: '0',
      })),
    };
  });
}

const heartbeat = async () => undefined;

describe('fleet group member', () => {
  it('folds the partitions of a fetch concurrently and writes them with one produce and one commit, the commit after the ack', async () => {
    const h = harness();
    await h.member.start();
    assert.equal(h.opts().concurrency, PARTITIONS, 'every partition of a fetch is handed over at once');
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    const gate = h.hold();
    const all = Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.commits.length, 0, 'nothing committed while the state write is not acknowledged');
    gate.resolve();
    await all;
    assert.equal(h.sends.length, 1, `one state write for the whole fetch (log: ${h.log.join(' | ')})`);
    assert.deepEqual(h.log.slice(-2), ['acked', `commit ${Array.from({ length: PARTITIONS }, (_, p) => p).join(',')}`]);
    assert.deepEqual([...h.commits[0]!].sort(([a], [b]) => a - b), Array.from({ length: PARTITIONS }, (_, p) => [p, 20n]));
    const partitions = new Set(h.sends[0]!.map((m) => decodeState(m.value)!.partition));
    assert.equal(partitions.size, PARTITIONS, 'the write carries the records of every partition');
    assert.equal(h.member.stats().flushes, 1);
    assert.equal(h.member.stats().applied, PARTITIONS * 20);
    // fleet.stateCompression: state writes go LZ4-compressed by default (fleet/README.md "Throughput").
    assert.deepEqual(h.compressions, ['lz4'], 'the state write carries fleet.stateCompression, not kafka.compression');
  });

  it('a failed state write commits nothing, fails every waiting batch, and the redelivered batches write the same records', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    h.failNext(new Error('Request timed out'));
    const first = await Promise.allSettled(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    assert.ok(first.every((s) => s.status === 'rejected'), 'every batch waiting on the write fails');
    assert.equal(h.commits.length, 0);
    // kafkajs fetches the batches again: already folded (skipped), their records written now.
    await Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    assert.equal(h.sends.length, 1);
    assert.equal(h.commits.length, 1);
    assert.equal(h.commits[0]!.size, PARTITIONS);
    const s = h.member.stats();
    assert.equal(s.applied, PARTITIONS * 20, 'each event applied once');
    assert.equal(s.skipped, PARTITIONS * 20, 'the redelivered ones skipped');
    const written = new Set(h.sends[0]!.map((m) => m.key));
    assert.ok(written.size > PARTITIONS, `records of the failed write are written (${written.size})`);
  });

  it('keeps heartbeating while the batches wait for the shared write', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: [0] });
    const gate = h.hold();
    let beats = 0;
    const done = h.opts().onBatch(batches()[0]!, async () => void beats++);
    await new Promise((r) => setTimeout(r, 2300));
    gate.resolve();
    await done;
    assert.ok(beats >= 2, `heartbeats while waiting: ${beats}`);
  });

  it('a consumer kafkajs stopped for good fails the member (fleet serve exits 1), a restarting one does not', async () => {
    const h = harness();
    await h.member.start();
    let failed: unknown = null;
    h.member.failed.catch((e: unknown) => (failed = e));
    h.opts().onCrash!(new Error('rebalancing'), true);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(failed, null);
    h.opts().onCrash!(new Error('The coordinator is not aware of this member'), false);
    await assert.rejects(h.member.failed, (e: Error & { code?: string }) => e.code === 'FLEET_UNAVAILABLE' && /coordinator is not aware/.test(e.message));
  });

  it('a large send goes as slices of at most N messages per partition, each partition in order', () => {
    const msgs = Array.from({ length: 2500 }, (_, i) => ({ partition: i % 3, i }));
    const slices = slicePerPartition(msgs, 500);
    assert.equal(slices.length, 2);
    for (const s of slices) for (let p = 0; p < 3; p++) assert.ok(s.filter((m) => m.partition === p).length <= 500);
    assert.deepEqual(slices.flat().filter((m) => m.partition === 1).map((m) => m.i), msgs.filter((m) => m.partition === 1).map((m) => m.i));
  });
});
