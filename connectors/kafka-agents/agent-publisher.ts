/**
 * Publishes this agent's record (core/schema/agent-schema.ts) to the log-compacted agents topic,
 * key = host: at start, at once when what it says changes (checked every second), and at least
 * every `kafka.agents.intervalMs` as a heartbeat; on a clean stop a last record with `stoppedTime`.
 * Framed like the events: Confluent + registry (subject `<topic>-value`, or `fsfault.fleet.Agent`
 * with the record strategy) when `kafka.registry` is set, else single-object encoding.
 *
 * Store first: the agent record is a side channel. A broker or registry that fails only delays it
 * (one warning per failure streak, retried on the next tick); recording never waits for it.
 */
import type { KafkaConfig } from '../../core/config/schema';
import { agentSchema, AGENT_RECORD_NAME, type AgentRecord } from '../../core/schema/agent-schema';
import { KafkaTransport } from '../kafka/kafkajs-adapter';
import { RegistryClient } from '../kafka/registry-client';
import { frameConfluent } from '../kafka/confluent-wire';
import { frameSingleObject } from '../kafka/single-object';
import { subjectName } from '../kafka/subject';

/** What the agent says about itself; heartbeatTime and stoppedTime are set when published. */
export type AgentSnapshot = Omit<AgentRecord, 'heartbeatTime' | 'stoppedTime' | 'intervalMs'>;

export interface AgentPublisherOptions {
  snapshot: () => AgentSnapshot;
  warn: (m: string) => void;
  /** Create the agents topic (compacted) when missing, with this many partitions (development, tests). */
  createTopicPartitions?: number | undefined;
  /** How often a change is looked for (ms). */
  tickMs?: number;
}

export class AgentPublisher {
  private readonly transport: KafkaTransport;
  private readonly registry: RegistryClient | null;
  private schemaId: number | null = null;
  private partitions: number | undefined;
  private timer: NodeJS.Timeout | null = null;
  private lastText = '';
  private lastSentMs = 0;
  private failing = false;
  private busy: Promise<void> = Promise.resolve();
  published = 0;

  constructor(private readonly config: KafkaConfig, private readonly opts: AgentPublisherOptions) {
    this.transport = new KafkaTransport({ brokers: config.brokers, clientId: `${config.clientId}-agent`, compression: 'none', tls: config.tls, sasl: config.sasl });
    const r = config.registry;
    this.registry = r ? new RegistryClient({ urls: r.urls, basicAuth: r.basicAuth, bearerToken: r.bearerToken }) : null;
  }

  get topic(): string {
    return this.config.agents.topic;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), Math.min(this.opts.tickMs ?? 1000, this.config.agents.intervalMs));
    this.timer.unref();
  }

  private tick(): void {
    this.busy = this.busy.then(async () => {
      const snap = this.opts.snapshot();
      const text = JSON.stringify(snap);
      if (text === this.lastText && Date.now() - this.lastSentMs < this.config.agents.intervalMs) return;
      if (await this.publish(snap, null)) this.lastText = text;
    });
  }

  private async publish(snap: AgentSnapshot, stoppedTime: number | null): Promise<boolean> {
    const rec: AgentRecord = { ...snap, heartbeatTime: Date.now() * 1000, intervalMs: this.config.agents.intervalMs, stoppedTime };
    try {
      await this.send(rec);
      this.lastSentMs = Date.now();
      this.published++;
      if (this.failing) this.opts.warn(`agents topic '${this.topic}': publishing again`);
      this.failing = false;
      return true;
    } catch (e) {
      if (!this.failing) this.opts.warn(`agents topic '${this.topic}': cannot publish the agent record (retrying every tick): ${(e as Error).message}`);
      this.failing = true;
      await this.transport.dropProducer();
      return false;
    }
  }

  private async send(rec: AgentRecord): Promise<void> {
    const s = agentSchema();
    if (this.registry && this.schemaId === null) {
      this.schemaId = await this.registry.register(subjectName(this.config.registry!.subjectStrategy, this.topic, AGENT_RECORD_NAME), s.text);
    }
    if (this.partitions === undefined) {
      this.partitions = await this.transport.partitionCount(this.topic);
      if (this.partitions === undefined && this.opts.createTopicPartitions) {
        await this.transport.createTopic(this.topic, this.opts.createTopicPartitions, { 'cleanup.policy': 'compact' }).catch(() => undefined);
        this.partitions = await this.transport.partitionCount(this.topic);
      }
      if (this.partitions === undefined) throw new Error(`topic '${this.topic}' does not exist (fleet serve creates it)`);
    }
    const body = s.type.toBuffer(rec);
    const value = this.schemaId !== null ? frameConfluent(this.schemaId, body) : frameSingleObject(s.fingerprint, body);
    await this.transport.send(this.topic, [{ partition: this.transport.partitionFor(this.topic, rec.host, this.partitions), key: rec.host, value, headers: {} }]);
  }

  /** Stop without a goodbye (the run failed): timer and connections closed, nothing sent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
    await this.transport.close();
  }

  /** Stop the heartbeat; say goodbye (best effort, bounded) so the fleet shows "stopped", not "silent". */
  async stop(goodbyeTimeoutMs = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.publish(this.opts.snapshot(), Date.now() * 1000), new Promise((r) => (t = setTimeout(r, goodbyeTimeoutMs)))]);
    clearTimeout(t);
    await this.transport.close();
  }
}
