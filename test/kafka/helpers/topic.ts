/**
 * Test-only: read everything a topic holds (through the connector's kafkajs adapter, so kafkajs is
 * still imported in one place) and decode fsfault's framing + headers.
 */
import { KafkaTransport, type ReadMessage, type TransportOptions } from '../../../connectors/kafka/kafkajs-adapter';
import { parseHeaders, type MessageHeaders } from '../../../connectors/kafka/headers';

export interface TopicMessage extends ReadMessage {
  meta: MessageHeaders;
}

export async function readTopic(brokers: string[], topic: string, extra: Partial<TransportOptions> = {}): Promise<TopicMessage[]> {
  const t = new KafkaTransport({ brokers, clientId: 'fsfault-test-reader', compression: 'none', ...extra });
  try {
    const marks = await t.watermarks(topic);
    const msgs = await t.readRange(topic, new Map(marks.map((m) => [m.partition, m.low])), 60_000);
    return msgs.map((m) => {
      const meta = parseHeaders(m.headers);
      if (!meta) throw new Error(`message ${m.partition}/${m.offset} has no fsfault headers`);
      return { ...m, meta };
    });
  } finally {
    await t.close();
  }
}

/** Assert-friendly summary: store offsets seen, and any seen more than once. */
export function offsetCensus(msgs: readonly TopicMessage[]): { seen: Set<number>; duplicates: number[] } {
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for (const m of msgs) {
    if (seen.has(m.meta.storeOffset)) duplicates.push(m.meta.storeOffset);
    seen.add(m.meta.storeOffset);
  }
  return { seen, duplicates };
}

export function randomTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
