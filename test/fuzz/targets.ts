/**
 * Fuzz targets: random and mutated inputs through fsfault's real parsers, each with the property
 * that must hold for every input — no crash, no hang, and every rejection counted or reported as
 * its typed error:
 *
 * - kmsg records: the reader thread's C++ parser and the TypeScript one for replay files return a
 *   record or null (the reader counts null as a kmsg-malformed loss) and always agree.
 * - replay lines: a RawRecord or REPLAY_BAD_LINE naming the line.
 * - fanotify buffers: the C++ event parser turns any bytes into FsError / Overflow records or
 *   fanotify-malformed losses, never reads past the buffer (ASan build: native/README.md).
 * - Avro container bytes: a damaged file reads as records or fails AVRO_FILE_CORRUPT with an
 *   offset inside the file.
 * - config YAML: a Config or CONFIG_INVALID / CONFIG_UNREADABLE / CONFIG_ENV_MISSING naming the
 *   file (exit 2).
 *
 * Generation and shrinking are fast-check's. test/unit/fuzz.test.ts runs each target for a couple
 * of seconds; scripts/fuzz-long.js runs them for minutes and prints how many inputs each tried.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText } from '../../core/config/load';
import { isFsfaultError } from '../../core/errors';
import { OcfReader } from '../../core/avro/ocf-reader';
import { OcfWriter } from '../../core/avro/ocf-writer';
import { parseReplayLine } from '../../core/sources/replay-line';
import { loadNative } from '../../native/index';
import { parseKmsgRecord } from '../../native/kmsg-parse';
import { ev, setup } from '../unit/helpers-avro/fixtures';
import { repoRoot } from '../helpers/paths';

export interface FuzzTarget {
  name: string;
  /** The property (fast-check) ready to assert; `count` is incremented once per input tried. */
  property(count: { n: number }): Runner;
  /** One-time setup (e.g. a seed file); returns a cleanup. */
  prepare?(): () => void;
}

type Runner = (params: fc.Parameters<unknown>) => void;

function runner<T extends [unknown]>(p: fc.IProperty<T>): Runner {
  return (params) => fc.assert(p, params as fc.Parameters<T>);
}

/** Mutations of a seed: bit flips, byte overwrites, truncation, insertion, duplication. */
function mutated(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.nat({ max: 64 }) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => {
    let b = Buffer.from(seed);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip' && b.length) b[at] = b[at]! ^ (1 << e.bit);
      else if (e.kind === 'set' && b.length) b[at] = e.byte;
      else if (e.kind === 'cut') b = b.subarray(0, at);
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
      else if (e.kind === 'dup') b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + e.len), b.subarray(at)]);
    }
    return b;
  });
}

// ---- kmsg ----

const KMSG_SEEDS = [
  '2,484,610886047,-;EXT4-fs error (device loop0): trigger_test_error:129: comm python3: hello\n',
  '3,1200,9876543,c,caller=T42;XFS (loop1): metadata I/O error in "xfs_imap_to_bp+0x4c" at daddr 0x20 len 32 error 117\n SUBSYSTEM=block\n DEVICE=b7:1\n',
  '6,1,0,-;text with \\x1b[31mescapes\\x0a and \\\\ backslash\n',
  '14,5,100,-;user facility record\n',
].map((s) => Buffer.from(s));

const kmsgRecord: FuzzTarget = {
  name: 'kmsg records (C++ reader parser vs TypeScript replay parser)',
  property(count) {
    const native = loadNative();
    const text = fc.oneof(
      mutated(KMSG_SEEDS).map((b) => b.toString('latin1')),
      fc.string({ maxLength: 300 }),
      fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.constantFrom('-', 'c', '+', ''), fc.string({ maxLength: 80 })).map(([p, s, t, f, x]) => `${p},${s},${t},${f};${x}\n`),
    );
    return runner(fc.property(text, (raw) => {
      count.n++;
      const cc = native.parseKmsgForTest(raw);
      const ts = parseKmsgRecord(raw, 0);
      if ((cc === null) !== (ts === null)) throw new Error(`parsers disagree on ${JSON.stringify(raw)}: C++ ${JSON.stringify(cc)} TS ${JSON.stringify(ts)}`);
      if (ts !== null) {
        if (!Number.isSafeInteger(ts.seq) || ts.seq < 0 || ts.facility < 0 || ts.level < 0 || ts.level > 7) throw new Error(`implausible record ${JSON.stringify(ts)}`);
        if (cc!.seq !== ts.seq || cc!.text !== ts.text || cc!.facility !== ts.facility) throw new Error(`parsers disagree on fields of ${JSON.stringify(raw)}`);
      }
    }));
  },
};

// ---- replay lines ----

function replaySeeds(): Buffer[] {
  const lines: Buffer[] = [];
  for (const f of ['ext4-trigger.jsonl', 'xfs-dirblock.jsonl', 'ext4-ltp-fanotify22.jsonl']) {
    const text = fs.readFileSync(path.join(repoRoot, 'examples', f), 'utf8');
    const all = text.split('\n').filter(Boolean);
    // Every distinct record kind, a few of each.
    const seen = new Map<string, number>();
    for (const l of all) {
      const k = /"source":"(\w+)"/.exec(l)?.[1] ?? '?';
      if ((seen.get(k) ?? 0) < 3) lines.push(Buffer.from(l));
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  return lines;
}

const replayLine: FuzzTarget = {
  name: 'replay lines',
  property(count) {
    const seeds = replaySeeds();
    const line = fc.oneof(
      mutated(seeds).map((b) => b.toString('utf8')),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom(...seeds).chain((s) => {
        // Structure-aware: change one field of a real line to any JSON value.
        const o = JSON.parse(s.toString()) as Record<string, unknown>;
        const keys = Object.keys(o);
        return fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => JSON.stringify({ ...o, [k]: v }));
      }),
    );
    return runner(fc.property(line, (l) => {
      count.n++;
      try {
        const r = parseReplayLine(l, 'fuzz:1');
        if (typeof r !== 'object' || r === null || typeof (r as { source?: unknown }).source !== 'string') throw new Error(`not a record: ${JSON.stringify(r)}`);
      } catch (e) {
        if (!isFsfaultError(e, 'REPLAY_BAD_LINE')) throw e; // anything else is a crash
        if (!e.message.includes('fuzz:1')) throw new Error(`rejection does not name the line: ${e.message}`);
      }
    }));
  },
};

// ---- fanotify buffers ----

function fanEvent(mask: number, pid: number, records: Buffer[]): Buffer {
  const body = Buffer.concat(records);
  const m = Buffer.alloc(24);
  m.writeUInt32LE(24 + body.length, 0);
  m.writeUInt8(3, 4);
  m.writeUInt16LE(24, 6);
  m.writeBigUInt64LE(BigInt(mask), 8);
  m.writeInt32LE(-1, 16);
  m.writeInt32LE(pid, 20);
  return Buffer.concat([m, body]);
}

function fanFid(handleType: number, handle: Buffer): Buffer {
  const len = Math.ceil((20 + handle.length) / 4) * 4;
  const b = Buffer.alloc(len);
  b.writeUInt8(1, 0);
  b.writeUInt16LE(len, 2);
  b.writeUInt32LE(0x1234, 4);
  b.writeUInt32LE(0x5678, 8);
  b.writeUInt32LE(handle.length, 12);
  b.writeInt32LE(handleType, 16);
  handle.copy(b, 20);
  return b;
}

function fanError(err: number, n: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(5, 0);
  b.writeUInt16LE(12, 2);
  b.writeInt32LE(err, 4);
  b.writeUInt32LE(n, 8);
  return b;
}

const FAN_SEEDS = [
  fanEvent(0x8000, 10, [fanFid(255, Buffer.alloc(0)), fanError(-117, 1)]),
  fanEvent(0x8000, 11, [fanError(5, 3), fanFid(1, Buffer.from('0c00000001000000', 'hex'))]),
  fanEvent(0x4000, 0, []),
  Buffer.concat([fanEvent(0x8000, 12, [fanFid(1, Buffer.alloc(8, 7)), fanError(-74, 2)]), fanEvent(0x4000, 0, [])]),
];

const fanotifyBuffer: FuzzTarget = {
  name: 'fanotify event buffers (C++ reader parser)',
  property(count) {
    const native = loadNative();
    const buf = fc.oneof(mutated(FAN_SEEDS), fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)));
    return runner(fc.property(buf, (b) => {
      count.n++;
      const out = native.parseFanotifyForTest(b) as unknown as { source: string; reason?: string; mask?: number }[];
      if (!Array.isArray(out)) throw new Error('not an array');
      if (b.length > 0 && out.length === 0 && b.length >= 24) {
        // A buffer of at least one event header is either events or a reported malformed loss.
        throw new Error(`${b.length} bytes vanished without a record or a loss: ${b.toString('hex')}`);
      }
      for (const r of out) {
        if (r.source === 'fanotify') continue;
        if (r.source === 'loss' && (r.reason === 'fanotify-malformed' || r.reason === 'fanotify-overflow')) continue;
        throw new Error(`unexpected record ${JSON.stringify(r)}`);
      }
    }));
  },
};

// ---- XFS health monitor records ----

const HEALTHMON_SEEDS = fs
  .readFileSync(path.join(repoRoot, 'test', 'fixtures', 'xfs-healthmon-records.txt'), 'utf8')
  .split('\n')
  .filter((l) => /^[0-9a-f]{128} /.test(l))
  .map((l) => Buffer.from(l.slice(0, 128), 'hex'));

const healthmonBuffer: FuzzTarget = {
  name: 'XFS health monitor records (C++ parser)',
  property(count) {
    const native = loadNative();
    const buf = fc.oneof(mutated([Buffer.concat(HEALTHMON_SEEDS.slice(0, 6)), ...HEALTHMON_SEEDS]), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)));
    return runner(fc.property(buf, (b) => {
      count.n++;
      const { events, consumed } = native.parseXfsHealthmonForTest(b);
      // Whole records only, every one decoded: nothing vanishes, nothing is invented.
      if (consumed !== b.length - (b.length % 64) || events.length !== consumed / 64) throw new Error(`${b.length} bytes: consumed ${consumed}, ${events.length} events`);
      for (const e of events) if (typeof e.domain !== 'string' || typeof e.type !== 'string' || !(Number.isFinite(e.timeUs) && e.timeUs >= 0) || typeof e.timeNs !== 'bigint') throw new Error(`bad event ${JSON.stringify({ ...e, timeNs: String(e.timeNs) })}`);
    }));
  },
};

// ---- Avro container files ----

let avroSeeds: Buffer[] = [];
let avroDir = '';

const avroContainer: FuzzTarget = {
  name: 'Avro container bytes (OcfReader)',
  prepare() {
    avroDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-fuzz-avro-'));
    return () => fs.rmSync(avroDir, { recursive: true, force: true });
  },
  property(count) {
    const file = path.join(avroDir, 'input.avro');
    const seeds = avroSeeds; // made by runTarget before the property
    const bytes = fc.oneof(mutated(seeds), fc.uint8Array({ maxLength: 64 }).map((x) => Buffer.concat([Buffer.from('Obj\x01', 'latin1'), Buffer.from(x)])));
    return runner(fc.property(bytes, (b) => {
      count.n++;
      fs.writeFileSync(file, b);
      let r: OcfReader | null = null;
      try {
        r = OcfReader.open(file);
        for (const rec of r.records()) void rec;
      } catch (e) {
        if (!isFsfaultError(e, 'AVRO_FILE_CORRUPT')) throw e;
        const off = e.details.offset;
        if (typeof off !== 'number' || off < 0 || off > b.length) throw new Error(`offset ${String(off)} outside the ${b.length}-byte file: ${e.message}`);
      } finally {
        r?.close();
      }
    }));
  },
};

/** A few real files: every codec, several blocks. */
export async function makeAvroSeeds(dir: string): Promise<Buffer[]> {
  const s = setup();
  const out: Buffer[] = [];
  for (const codec of ['null', 'deflate', 'snappy'] as const) {
    const f = path.join(dir, `seed-${codec}.avro`);
    const w = await OcfWriter.create(f, { schemaText: s.schema.text, codec, blockRecords: 3 });
    for (let i = 0; i < 7; i++) await w.append(s.codec.encode({ ...ev(), host: `h${i}` }));
    await w.finish();
    out.push(fs.readFileSync(f));
  }
  return out;
}

// ---- config YAML ----

function configSeeds(): Buffer[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? 'host: a\n';
  return [Buffer.from(example), Buffer.from('host: a\nsources: { kmsg: true }\nqueue: { lingerMs: 5 }\n'), Buffer.from('{}\n')];
}

const configYaml: FuzzTarget = {
  name: 'config YAML',
  property(count) {
    const seeds = configSeeds();
    const text = fc.oneof(mutated(seeds).map((b) => b.toString('utf8')), fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)));
    const env = { KAFKA_BROKERS: 'b:9092', KAFKA_PASSWORD: 'p' };
    return runner(fc.property(text, (t) => {
      count.n++;
      // Nothing may be printed beside the one-line error (YAML.parse used to emit warnings).
      const warned: string[] = [];
      const onWarning = (w: Error) => warned.push(w.message);
      const emit = process.emitWarning;
      process.emitWarning = ((w: string | Error) => onWarning(typeof w === 'string' ? new Error(w) : w)) as typeof process.emitWarning;
      try {
        parseConfigText(t, 'fuzz.yaml', env);
      } catch (e) {
        // The config errors: each a one-line message and exit 2 (core/cli/main.ts).
        if (!(isFsfaultError(e, 'CONFIG_INVALID') || isFsfaultError(e, 'CONFIG_UNREADABLE') || isFsfaultError(e, 'CONFIG_ENV_MISSING'))) throw e;
        if (!e.message.includes('fuzz.yaml')) throw new Error(`rejection does not name the file: ${e.message}`);
      } finally {
        process.emitWarning = emit;
      }
      if (warned.length) throw new Error(`config parsing printed a warning: ${warned[0]}`);
    }));
  },
};

export const TARGETS: readonly FuzzTarget[] = [kmsgRecord, replayLine, fanotifyBuffer, healthmonBuffer, avroContainer, configYaml];

/** Run one target for about `ms`; returns how many inputs it tried. Throws fast-check's report on a failure. */
export async function runTarget(t: FuzzTarget, ms: number, seed?: number): Promise<number> {
  const cleanup = t.prepare?.() ?? (() => undefined);
  try {
    if (t === avroContainer && avroSeeds.length === 0) avroSeeds = await makeAvroSeeds(avroDir);
    const count = { n: 0 };
    const params = { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, seed };
    t.property(count)(params);
    return count.n;
  } finally {
    cleanup();
  }
}
