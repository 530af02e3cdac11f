/**
 * The plugin conformance kit: every plugin (ours and third-party) runs it over its own recorded
 * records. It checks what the core relies on:
 *  - registration: metadata, API range, blob schema naming and defaults;
 *  - schema round trip: every classified event encodes with the composed schema and decodes equal;
 *  - purity: classify gives the same output twice and does not mutate its input;
 *  - robustness: truncated/garbled records and user-space (facility != 0) lines never throw and the
 *    latter are never claimed;
 *  - merge laws, through the real core queue: merging in forward or reverse order gives the same
 *    per-key totals, count adds up exactly, merged blobs stay encodable and bounded in size;
 *  - terminal handling: a terminal reason is a non-empty string, and through the queue a death
 *    gives exactly one DIED event with later events suppressed, never lost.
 * Usage (in a *.test.ts): runPluginConformance(myPlugin, { records: readReplayFile(file) }).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { ClassifyContext, FsPlugin } from '../../core/plugin-api';
import type { MountInfo, RawRecord } from '../../core/model/raw-record';
import type { FsEvent } from '../../core/model/event';
import { PluginRegistry } from '../../core/plugins/registry';
import { composeSchema } from '../../core/schema/compose';
import { EventCodec } from '../../core/schema/codec';
import { MountTable } from '../../core/pipeline/mount-table';
import { Classifier } from '../../core/pipeline/classifier';
import { EventQueue } from '../../core/queue/event-queue';
import { queueHooks } from '../../core/container';

export interface ConformanceInput {
  /** Recorded raw records (mount records in them set up the context). */
  records: readonly RawRecord[];
  /** Devices fanotify watches in the context (default: none). */
  fanotifyWatched?: readonly string[];
  /** Expect at least this many records to be classified (default 1). */
  minClassified?: number;
}

function contextFor(records: readonly RawRecord[], watched: readonly string[]): { ctx: ClassifyContext; mounts: MountTable } {
  const mounts = new MountTable();
  for (const r of records) if (r.source === 'mount' && r.action !== 'unmounted') mounts.add(r.mount as MountInfo);
  for (const d of watched) mounts.setFanotifyWatched(d, true);
  return {
    mounts,
    ctx: {
      mountByDevice: (d) => mounts.byDevice(d),
      mountByFsid: (f) => mounts.byFsid(f),
      fanotifyWatched: (d) => mounts.fanotifyWatched(d),
      fsGeometry: (d) => mounts.geometry(d),
    },
  };
}

function garble(r: RawRecord, seed: number): RawRecord[] {
  if (r.source !== 'kmsg') return [];
  const t = r.text;
  return [
    { ...r, text: t.slice(0, Math.max(0, (seed * 7) % (t.length + 1))) },
    { ...r, text: t.replace(/\d+/g, '999999999999999999999') },
    { ...r, text: t.replace(/[():]/g, '') },
    { ...r, text: `${t}\u0000\u00ff garbage ${'x'.repeat(3000)}` },
  ];
}

function queueFor(registry: PluginRegistry, codec: EventCodec, newId: () => string): EventQueue {
  return new EventQueue({
    budgetBytes: 64 * 1024 * 1024,
    perFsMaxEvents: 1_000_000,
    host: 'conformance',
    newId,
    sizeOf: (e) => codec.sizeOf(e),
    hooks: queueHooks(registry),
  });
}

const clone = <T>(v: T): T => structuredClone(v);

export function runPluginConformance(plugin: FsPlugin, input: ConformanceInput): void {
  const name = plugin?.meta?.name ?? '(unnamed)';
  describe(`plugin conformance: ${name}`, () => {
    const { mounts, ctx } = contextFor(input.records, input.fanotifyWatched ?? []);
    const registry = new PluginRegistry();
    let codec: EventCodec;
    let n = 0;
    const ids = () => `id-${++n}`;
    const classifyAll = (): FsEvent[] => {
      const classifier = new Classifier(registry, mounts, 'conformance', ids);
      return input.records.map((r) => classifier.classify(r)).filter((e): e is FsEvent => typeof e !== 'string');
    };

    it('registers: metadata, core API range, blob schema', () => {
      registry.register(plugin);
      codec = new EventCodec(composeSchema(registry.all()));
    });

    it('classifies the recorded records, purely and without mutating them', () => {
      let claimed = 0;
      for (const r of input.records) {
        const before = clone(r);
        const a = plugin.classify(r, ctx);
        const b = plugin.classify(r, ctx);
        assert.ok(isDeepStrictEqual(r, before), `classify mutated its input: ${JSON.stringify(before).slice(0, 200)}`);
        assert.deepStrictEqual(a, b, 'classify is not pure (two calls on one record differ)');
        if (a) {
          claimed++;
          assert.ok(Number.isInteger(a.count) && a.count >= 0, `count must be a whole number >= 0 (got ${a.count})`);
          assert.ok(Array.isArray(a.subtypes), 'subtypes must be a list');
        }
      }
      assert.ok(claimed >= (input.minClassified ?? 1), `expected at least ${input.minClassified ?? 1} classified records, got ${claimed}`);
    });

    it('round-trips every classified event through the composed Avro schema', () => {
      for (const e of classifyAll()) {
        const back = codec.decode(codec.encode(e));
        assert.deepStrictEqual(back, e, `event from plugin ${name} does not round-trip`);
      }
    });

    it('never throws on garbled records and never claims user-space lines', () => {
      input.records.forEach((r, i) => {
        for (const g of garble(r, i)) assert.doesNotThrow(() => plugin.classify(g, ctx));
        if (r.source === 'kmsg') {
          const fake = { ...r, facility: 1, level: 3 };
          assert.equal(plugin.classify(fake, ctx), null, `claimed a user-space (facility 1) line: ${r.text.slice(0, 120)}`);
        }
      });
    });

    it('merge laws: order does not change per-key totals; counts add up; blobs stay bounded', () => {
      const events = classifyAll().filter((e) => plugin.terminal(e) === null);
      const totals = (list: FsEvent[]) => {
        const q = queueFor(registry, codec, ids);
        for (const e of list) assert.notEqual(q.push(clone(e)), 'rescued');
        const out = new Map<string, number>();
        let sum = 0;
        for (const e of q.take()) {
          const k = `${e.fs.fsid ?? e.fs.device}|${plugin.mergeKey(e)}`;
          out.set(k, (out.get(k) ?? 0) + e.count);
          sum += e.count;
          assert.doesNotThrow(() => codec.encode(e), 'a merged event no longer encodes');
        }
        return { out, sum };
      };
      const fwd = totals(events);
      const rev = totals([...events].reverse());
      const expected = events.reduce((s, e) => s + e.count, 0);
      assert.equal(fwd.sum, expected, 'merged counts do not add up to the input counts');
      assert.deepStrictEqual(rev.out, fwd.out, 'merging in reverse order changed per-key totals');
      for (const e of events) {
        const into = clone(e);
        const start = codec.encode(into).length;
        for (let i = 0; i < 1000; i++) {
          const other = clone(events[i % events.length]!);
          if (plugin.mergeKey(other) !== plugin.mergeKey(into)) continue;
          into.blob = plugin.merge(into.blob!, other.blob!);
        }
        const end = codec.encode(into).length;
        assert.ok(end <= start + 2048, `blob grew from ${start} to ${end} bytes over 1000 merges (must stay bounded)`);
      }
    });

    it('terminal: reasons are non-empty; through the queue one DIED, the rest suppressed', () => {
      const events = classifyAll();
      const terminal = events.filter((e) => plugin.terminal(e) !== null);
      for (const e of terminal) {
        const reason = plugin.terminal(e);
        assert.ok(typeof reason === 'string' && reason.length > 0, 'terminal reason must be a non-empty string');
      }
      if (terminal.length === 0) return;
      const q = queueFor(registry, codec, ids);
      const t = clone(terminal[0]!);
      assert.equal(q.push(t), 'died');
      const again = clone(events[0]!);
      again.fs = { ...t.fs };
      assert.equal(q.push(again), 'suppressed');
      const died = q.take().filter((e) => e.kind === 'DIED');
      assert.equal(died.length, 1);
    });
  });
}
