/**
 * The whole fleet, as every instance sees it: the fleet-state and agents topics read from the
 * beginning and followed (they are small: one live record per filesystem / per host). A private
 * consumer group that never commits: every instance reads everything. `caughtUp()` resolves when
 * everything written before the call has been read — the fleet is "restored" then.
 */
import * as crypto from 'node:crypto';
import type { KafkaTransport, GroupConsumer } from '../connectors/kafka/kafkajs-adapter';
import { decodeAgent, type AgentRecord } from '../core/schema/agent-schema';
import type { AvroValues } from './avro-values';
import { StateRecords } from './state-records';
import type { RawHeaders } from '../connectors/kafka/headers';

export class TopicView {
  /** Kept as read until needed (state-records.ts says why). */
  readonly states = new StateRecords();
  readonly agents = new Map<string, AgentRecord>();
  /** Next offset to read, per topic and partition. */
  private readonly next = new Map<string, Map<number, bigint>>();
  private consumer: GroupConsumer | null = null;
  private waiters: (() => void)[] = [];
  decodeFailures = 0;
  /**
   * Called with every fleet-state record read (key and headers), after it is applied: the group
   * member checks who wrote the records of the partitions it owns (group-member.ts `checkWriter`).
   */
  onStateRecord: ((key: string, headers: RawHeaders | undefined) => void) | null = null;
  /** Bumped whenever `states` or `agents` changed: lets the server reuse its merged rows. */
  version = 0;

  constructor(
    private readonly transport: KafkaTransport,
    private readonly topics: { state: string; agents: string },
    private readonly values: AvroValues,
    private readonly warn: (m: string) => void,
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.transport.groupConsumer({
      groupId: `fsfault-fleet-view-${crypto.randomUUID()}`,
      topics: [this.topics.state, this.topics.agents],
      fromBeginning: true,
      maxWaitMs: 200,
      sessionTimeoutMs: 10_000,
      onBatch: async (b) => {
        // Agent records that cannot be decoded are skipped, not retried (an agent republishes its
        // record every interval), and reported once per batch: while the registry does not answer,
        // a batch of 10^4 agents is one warning, and costs at most one registry timeout
        // (avro-values.ts: lookups are single-flight and a failure answers for a while).
        let failed = 0;
        let firstFailure = '';
        for (const m of b.messages) {
          const key = m.key?.toString('utf8') ?? '';
          if (b.topic === this.topics.state) {
            this.states.apply(key, m.value);
            if (m.value) this.onStateRecord?.(key, m.headers);
          } else if (m.value) {
            try {
              const w = this.values.cachedWriter(m.value) ?? (await this.values.writer(m.value));
              this.agents.set(key, decodeAgent(w.body, w.type));
            } catch (e) {
              this.decodeFailures++;
              if (failed++ === 0) firstFailure = `'${key}': ${(e as Error).message}`;
            }
          }
        }
        if (failed) this.warn(`agents topic partition ${b.partition}: ${failed} record(s) not decoded, skipped until their agents publish again; first: ${firstFailure}`);
        if (b.messages.length) this.version++;
        const last = b.messages.at(-1);
        let parts = this.next.get(b.topic);
        if (!parts) this.next.set(b.topic, (parts = new Map()));
        if (last) parts.set(b.partition, BigInt(last.offset) + 1n);
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      },
    });
  }

  private readTo(topic: string, partition: number): bigint {
    return this.next.get(topic)?.get(partition) ?? -1n;
  }

  /** Resolves once every message written to both topics before this call has been applied. */
  async caughtUp(timeoutMs = 120_000): Promise<void> {
    const targets: { topic: string; partition: number; high: bigint; low: bigint }[] = [];
    for (const topic of [this.topics.state, this.topics.agents]) {
      for (const w of await this.transport.watermarks(topic)) targets.push({ topic, ...w });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = targets.filter((t) => t.high > t.low && this.readTo(t.topic, t.partition) < t.high);
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`fleet topics not read to their end after ${timeoutMs} ms (${behind.map((t) => `${t.topic}/${t.partition}`).join(', ')})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 250);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}
