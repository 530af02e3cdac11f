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
 *     kafkajs stopped for good fails the member, so `fleet serve` exits instead of idling;
 *   - a record of an owned partition written by someone else (a previous owner's late write)
 *     is written again from the owner's fold.
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
  let failCommitNext: Error | null = null;
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
          if (failCommitNext) {
            const e = failCommitNext;
            failCommitNext = null;
            throw e;
          }
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
    view,
    log,
    sends,
    compressions,
    commits,
    opts: () => opts,
    hold: () => (gate = deferred()),
    sendsStarted: () => Number(log.find((l) => l.startsWith('send '))?.slice(5)),
    failNext: (e: Error) => (failNext = e),
    failCommitNext: (e: Error) => (failCommitNext = e),
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
    await Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.commits.length, 0, 'nothing committed while the state write is not acknowledged');
    gate.resolve();
    await h.member.written();
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

  it('pipelined: the next fetch folds while the previous write is in flight, and its batches return only once that write is done', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    const gate = h.hold();
    const [first, second] = [batches(), batches()];
    const second0 = second.map((b) => ({ ...b, messages: b.messages.slice(10) }));
    const first0 = first.map((b) => ({ ...b, messages: b.messages.slice(0, 10) }));
    // Fetch 1 returns as soon as it is folded (nothing before its write): kafkajs fetches on.
    await Promise.all(first0.map((b) => h.opts().onBatch(b, heartbeat)));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(h.log, [`send ${h.sendsStarted()}`], 'write 1 in flight');
    // Fetch 2 folds while write 1 is in flight, then waits for write 1 (not for its own write).
    let secondDone = false;
    const secondAll = Promise.all(second0.map((b) => h.opts().onBatch(b, heartbeat))).then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.member.stats().applied, PARTITIONS * 20, 'fetch 2 folded while write 1 is in flight');
    assert.equal(secondDone, false, 'fetch 2 waits for write 1');
    assert.equal(h.commits.length, 0, 'nothing committed before write 1 is acknowledged');
    gate.resolve();
    await secondAll;
    await h.member.written();
    assert.equal(h.sends.length, 2, `write 1 then write 2 (log: ${h.log.join(' | ')})`);
    assert.deepEqual([...h.commits[0]!].sort(([a], [b]) => a - b), Array.from({ length: PARTITIONS }, (_, p) => [p, 10n]), 'write 1 commits fetch 1 only');
    assert.deepEqual([...h.commits[1]!].sort(([a], [b]) => a - b), Array.from({ length: PARTITIONS }, (_, p) => [p, 20n]));
    assert.equal(h.log.indexOf('commit 0,1,2,3,4,5') > h.log.indexOf('acked'), true, 'commit after the ack');
  });

  it('a write acknowledged after a rejoin commits nothing (the partitions may be another member\'s now)', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    const gate = h.hold();
    await Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    await new Promise((r) => setTimeout(r, 20));
    h.opts().onJoin!({ events: [0, 1] });
    gate.resolve();
    await h.member.written();
    assert.equal(h.sends.length, 1, 'the state is written');
    assert.equal(h.commits.length, 0, 'but its offsets are not committed after the rejoin');
  });

  it('a failed state write commits nothing; its records and offsets go with the next write (or a retry), counted once', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    h.failNext(new Error('Request timed out'));
    await Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    const failedAt = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.sends.length, 0);
    assert.equal(h.commits.length, 0, 'nothing committed after a failed write');
    // No batch follows (the end of the topic): the records and offsets are written by a retry.
    await h.member.written();
    assert.equal(h.sends.length, 1);
    assert.ok(Date.now() - failedAt >= 900, 'retried after WRITE_RETRY_MS');
    // kafkajs fetching the batches again (as it does when a batch waited on a failed write): skipped.
    await Promise.all(batches().map((b) => h.opts().onBatch(b, heartbeat)));
    await h.member.written();
    assert.equal(h.sends.length, 1, 'the redelivered batches change no record: nothing written again');
    assert.equal(h.commits[0]!.size, PARTITIONS);
    assert.deepEqual(h.commits.at(-1), h.commits[0], 'and their offsets are the ones already committed');
    const s = h.member.stats();
    assert.equal(s.applied, PARTITIONS * 20, 'each event applied once');
    assert.equal(s.skipped, PARTITIONS * 20, 'the redelivered ones skipped');
    const written = new Set(h.sends[0]!.map((m) => m.key));
    assert.ok(written.size > PARTITIONS, `records of the failed write are written (${written.size})`);
  });

  it('a commit refused (stale generation during a rebalance) is not thrown to kafkajs; the offsets are committed with the next write', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: Array.from({ length: PARTITIONS }, (_, p) => p) });
    h.failCommitNext(new Error('Specified group generation id is not valid'));
    const [first, second] = [batches(), batches()];
    await Promise.all(first.map((b) => h.opts().onBatch({ ...b, messages: b.messages.slice(0, 10) }, heartbeat)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.commits.length, 0, 'the commit was refused');
    // The next fetch waits on that write: it must not fail (kafkajs stops a consumer whose batch
    // handler throws a stale-generation error).
    await Promise.all(second.map((b) => h.opts().onBatch({ ...b, messages: b.messages.slice(10) }, heartbeat)));
    await h.member.written();
    assert.deepEqual([...h.commits.at(-1)!].sort(([a], [b]) => a - b), Array.from({ length: PARTITIONS }, (_, p) => [p, 20n]));
  });

  it('a state write that can never succeed (not retriable) fails the member: fleet serve exits 1', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: [0] });
    h.failNext(Object.assign(new Error('TOPIC_AUTHORIZATION_FAILED'), { retriable: false }));
    await h.opts().onBatch(batches()[0]!, heartbeat);
    await assert.rejects(h.member.failed, (e: Error & { code?: string }) => e.code === 'FLEET_UNAVAILABLE' && /failed for good: TOPIC_AUTHORIZATION_FAILED/.test(e.message));
    assert.equal(h.commits.length, 0);
    await h.member.stop();
  });

  it('keeps heartbeating while the batches wait for the shared write', async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: [0] });
    const gate = h.hold();
    let beats = 0;
    await h.opts().onBatch(batches()[0]!, heartbeat);
    await new Promise((r) => setTimeout(r, 20)); // write 1 in flight (held)
    const done = h.opts().onBatch(batches()[1]!, async () => void beats++); // waits for write 1
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

  it("a previous owner's late write to an owned partition is written again from the owner's fold; its own writes are not", async () => {
    const h = harness();
    await h.member.start();
    h.opts().onJoin!({ events: [0, 1, 2] }); // partitions 3-5 belong to another member
    await Promise.all(batches().slice(0, 3).map((b) => h.opts().onBatch(b, heartbeat)));
    await h.member.written();
    assert.equal(h.sends.length, 1);
    const mine = h.sends[0]!;
    const writer = mine[0]!.headers['fsfault.fleet.writer'];
    assert.match(writer ?? '', /^[0-9a-f]{8}\/1$/, 'every record names its writer: instance/epoch');
    assert.ok(mine.every((m) => m.headers['fsfault.fleet.writer'] === writer));
    const check = (h.view as unknown as { onStateRecord: (k: string, hd: Record<string, Buffer> | undefined) => void }).onStateRecord;
    // The view reads this member's own records back (kafkajs hands header values over as bytes): nothing to do.
    for (const m of mine) check(m.key, { 'fsfault.fleet.writer': Buffer.from(writer!) });
    // A key of a partition it does not own, and a key its fold does not hold: not its business.
    check('4/host-4/ext4/x', { 'fsfault.fleet.writer': Buffer.from('0000aaaa/7') });
    check('1/host-nobody/ext4/x', { 'fsfault.fleet.writer': Buffer.from('0000aaaa/7') });
    await h.member.written();
    assert.equal(h.sends.length, 1, 'no write for its own records, other partitions or unknown keys');
    // A late record of the previous owner (or one without a writer, from an older version) overwrote
    // two of its keys: both are written again, with the owner's current state and writer.
    const victim = mine.find((m) => m.key.startsWith('1/'))!;
    const victim2 = mine.find((m) => m.key.startsWith('2/'))!;
    check(victim.key, { 'fsfault.fleet.writer': Buffer.from('0000aaaa/7') });
    check(victim2.key, undefined);
    await h.member.written();
    assert.equal(h.sends.length, 2, `one more write (log: ${h.log.join(' | ')})`);
    assert.deepEqual(h.sends[1]!.map((m) => m.key).sort(), [victim.key, victim2.key].sort());
    assert.deepEqual(h.sends[1]!.find((m) => m.key === victim.key)!.value, victim.value, "the owner's state of that key");
    assert.equal(h.sends[1]![0]!.headers['fsfault.fleet.writer'], writer);
    assert.equal(h.member.stats().repairs, 2);
    // After a rejoin the writer changes (epoch 2): records of its own previous membership count as another writer's.
    for (const m of [...h.sends[0]!, ...h.sends[1]!]) h.view.states.apply(m.key, m.value); // what its view read
    h.opts().onJoin!({ events: [0, 1, 2] }); // restored from the view
    await h.member.written();
    await new Promise((r) => setTimeout(r, 10));
    check(victim.key, { 'fsfault.fleet.writer': Buffer.from(writer!) });
    await h.member.written();
    assert.equal(h.sends.length, 3);
    assert.match(h.sends[2]![0]!.headers['fsfault.fleet.writer'] ?? '', /\/2$/);
  });

  it('a large send goes as slices of at most N messages per partition, each partition in order', () => {
    const msgs = Array.from({ length: 2500 }, (_, i) => ({ partition: i % 3, i }));
    const slices = slicePerPartition(msgs, 500);
    assert.equal(slices.length, 2);
    for (const s of slices) for (let p = 0; p < 3; p++) assert.ok(s.filter((m) => m.partition === p).length <= 500);
    assert.deepEqual(slices.flat().filter((m) => m.partition === 1).map((m) => m.i), msgs.filter((m) => m.partition === 1).map((m) => m.i));
  });
});
