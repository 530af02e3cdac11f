/**
 * The fleet-state writes of `fleet serve`, produced by a worker thread with its own Kafka producer
 * (state-writer-worker.ts). The member hands over one write (every record changed by a fetch) as
 * ONE transferred buffer and awaits the broker's acknowledgement as before, then commits: the
 * order "state written (acks=all), then offsets committed" is unchanged.
 *
 * Why a thread: in an error storm the fleet writes about one state record per folded event, and
 * bench/fleet showed the fold bound by the main JS thread (~90 % busy during the fold) while the
 * second core mostly waited; kafkajs' produce encoding of those records (a record object, an
 * Encoder and a 64-bit Long per message, compression) and its garbage were about a quarter of
 * that thread. In the worker they run beside the fold. Failures reach the member as a rejected
 * write (nothing committed, kafkajs fetches the batches again); a worker that died is replaced at
 * the next write.
 *
 * Wire between the threads (little-endian): u32 count, then per message u32 partition, u32 key
 * length, key (UTF-8), u32 value length, value. The headers are the same for every message of a
 * write (the writer's identity, state-record.ts `H_FLEET_WRITER`) and travel once, beside the buffer.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OutMessage, TransportOptions } from '../connectors/kafka/transport';
import { fulfilsWithin } from '../core/pipeline/retry';

export type Compression = TransportOptions['compression'];

/** What the member needs to write state: the transport itself fits it (unit tests). */
export interface StateSink {
  send(topic: string, messages: readonly OutMessage[], compression?: Compression): Promise<void>;
}

/** What the worker gets: TransportOptions without its callbacks (a thread gets data, not functions). */
export type WriterTransportOptions = Omit<TransportOptions, 'warn' | 'debug'>;

export interface WriteRequest {
  id: number;
  topic: string;
  compression: Compression | undefined;
  /** Headers of every message of this write. */
  headers: Record<string, string>;
  packed: ArrayBuffer;
}
/** `retriable` false: the send can never succeed (kafkajs-adapter.ts classifyKafkaError). */
export type WriterReply = { id: number; error?: string; retriable?: boolean } | { warn: string };

/** Packs messages into one buffer (format in the header). */
export function packMessages(messages: readonly Pick<OutMessage, 'partition' | 'key' | 'value'>[]): Buffer {
  let size = 4;
  for (const m of messages) size += 12 + Buffer.byteLength(m.key) + m.value.length;
  const out = Buffer.allocUnsafeSlow(size); // its own ArrayBuffer: transferable
  let o = out.writeUInt32LE(messages.length, 0);
  for (const m of messages) {
    o = out.writeUInt32LE(m.partition, o);
    const k = out.write(m.key, o + 4);
    out.writeUInt32LE(k, o);
    o += 4 + k;
    o = out.writeUInt32LE(m.value.length, o);
    o += m.value.copy(out, o);
  }
  return out;
}

/** The inverse of packMessages; values are views into `packed` (no copy); every message gets `headers`. */
export function unpackMessages(packed: Buffer, headers: Record<string, string> = {}): OutMessage[] {
  const n = packed.readUInt32LE(0);
  const out: OutMessage[] = new Array(n);
  let o = 4;
  for (let i = 0; i < n; i++) {
    const partition = packed.readUInt32LE(o);
    const kl = packed.readUInt32LE(o + 4);
    const key = packed.toString('utf8', o + 8, o + 8 + kl);
    o += 8 + kl;
    const vl = packed.readUInt32LE(o);
    out[i] = { partition, key, value: packed.subarray(o + 4, o + 4 + vl), headers };
    o += 4 + vl;
  }
  return out;
}

export class WorkerStateWriter implements StateSink {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(): void; reject(e: Error): void }>();

  constructor(
    private readonly options: WriterTransportOptions,
    private readonly warn: (m: string) => void,
    /** The worker's module (tests may point elsewhere). */
    private readonly file = path.join(__dirname, 'state-writer-worker.js'),
  ) {}

  private spawn(): Worker {
    const w = new Worker(this.file, { workerData: this.options });
    w.on('message', (m: WriterReply) => {
      if ('warn' in m) return this.warn(m.warn);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error === undefined) p.resolve();
      else p.reject(Object.assign(new Error(m.error), { retriable: m.retriable !== false }));
    });
    const gone = (why: string) => {
      if (this.worker === w) this.worker = null;
      const all = [...this.pending.values()];
      this.pending.clear();
      for (const p of all) p.reject(new Error(`the fleet-state writer thread ${why}`));
    };
    w.on('error', (e) => gone(`failed: ${e.message}`));
    w.on('exit', (code) => gone(`exited (${code})`));
    return w;
  }

  send(topic: string, messages: readonly OutMessage[], compression?: Compression): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    // One header set per write: the member gives every message of a write the same object.
    const headers = messages[0]!.headers;
    if (messages.some((m) => m.headers !== headers)) return Promise.reject(new Error('the messages of one fleet-state write must share one header set'));
    const packed = packMessages(messages);
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: WriteRequest = { id, topic, compression, headers: { ...(headers as Record<string, string>) }, packed: packed.buffer as ArrayBuffer };
      w.postMessage(req, [req.packed]);
    });
  }

  /** Disconnects the worker's producer and ends the thread (bounded: terminated after `timeoutMs`). */
  async close(timeoutMs = 3000): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.postMessage({ close: true });
    if (!(await fulfilsWithin(exited, timeoutMs))) await w.terminate();
  }
}
