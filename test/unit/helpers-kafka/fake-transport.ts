/**
 * Test double (named as such): an in-memory Kafka topic behind the connector's Transport interface,
 * so the connector's resume, dedupe, identity and retry logic runs in unit tests without a broker.
 * Faults a test can ask for: the next N sends fail before writing (`failSends`), or write and then
 * fail (`ambiguousSends`: the outcome the connector cannot know), and open fails (`down`).
 * The real broker runs these paths in test/kafka/.
 */
import type { OutMessage, PartitionOffsets, ReadMessage, Transport } from '../../../connectors/kafka/transport';

export class FakeTopic {
  readonly partitions: ReadMessage[][];
  constructor(readonly name: string, count: number) {
    this.partitions = Array.from({ length: count }, () => []);
  }
  all(): ReadMessage[] {
    return this.partitions.flat();
  }
}

export class FakeTransport implements Transport {
  down = false;
  failSends = 0;
  ambiguousSends = 0;
  connects = 0;
  sends = 0;

  constructor(readonly topic: FakeTopic) {}

  private check(): void {
    // As kafkajs throws it once its own retries ran out: marked retriable: false.
    if (this.down) throw Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSNonRetriableError', retriable: false });
  }
  async connect(): Promise<void> {
    this.check();
    this.connects++;
  }
  async dropProducer(): Promise<void> {}
  partitionFor(_topic: string, key: string, n: number): number {
    let h = 0;
    for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return h % n;
  }
  async partitionCount(topic: string): Promise<number | undefined> {
    this.check();
    return topic === this.topic.name ? this.topic.partitions.length : undefined;
  }
  async createTopic(): Promise<void> {}
  async watermarks(): Promise<PartitionOffsets[]> {
    this.check();
    return this.topic.partitions.map((p, partition) => ({ partition, low: 0n, high: BigInt(p.length) }));
  }
  async send(_topic: string, messages: readonly OutMessage[]): Promise<void> {
    this.check();
    this.sends++;
    if (this.failSends > 0) {
      this.failSends--;
      throw Object.assign(new Error('Request timed out'), { name: 'KafkaJSRequestTimeoutError' });
    }
    for (const m of messages) {
      const p = this.topic.partitions[m.partition]!;
      p.push({ partition: m.partition, offset: String(p.length), key: Buffer.from(m.key), value: m.value, headers: { ...m.headers }, timestamp: String(Date.now()) });
    }
    if (this.ambiguousSends > 0) {
      this.ambiguousSends--;
      throw Object.assign(new Error('Connection closed after the request was written'), { name: 'KafkaJSConnectionClosedError' });
    }
  }
  async readRange(_topic: string, from: ReadonlyMap<number, bigint>): Promise<ReadMessage[]> {
    this.check();
    const out: ReadMessage[] = [];
    for (const [p, f] of from) out.push(...this.topic.partitions[p]!.slice(Number(f)));
    return out;
  }
  async close(): Promise<void> {}
}
