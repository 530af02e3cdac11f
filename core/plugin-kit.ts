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
 *  - continuation lines (when the plugin has `continuation`): never throw, never mutate the
 *    previous event, and what they return still encodes;
 *  - garbled non-kmsg records (fanotify, sysfs, ioctl, mount with missing or odd fields) never throw.
 * Every case builds its own registry, codec and queue, so the cases do not depend on their order.
 * A case the fixtures cannot exercise (no terminal event, no continuation) is a visible skip with
 * the reason, never a vacuous pass.
 *
 * Public entry point `fsfault/plugin-kit` (package.json `exports`); it depends on core leaves only
 * (registry, schema, classifier, queue), never on the composition root.
 * Usage (in a *.test.ts): runPluginConformance(myPlugin, { records: readReplayFile(file) }).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { ClassifyContext, FsPlugin } from './plugin-api';
import type { MountInfo, RawRecord } from './model/raw-record';
import type { FsEvent } from './model/event';
import { PluginRegistry } from './plugins/registry';
import { composeSchema } from './schema/compose';
import { EventCodec } from './schema/codec';
import { MountTable } from './pipeline/mount-table';
import { Classifier } from './pipeline/classifier';
import { EventQueue } from './queue/event-queue';
import { queueHooks } from './plugins/queue-hooks';
import { readReplayFile } from './sources/replay-source';

export { readReplayFile };

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

/** Records of every non-kmsg kind with fields missing, null or of the wrong type. */
function garbleOther(r: RawRecord): RawRecord[] {
  if (r.source === 'kmsg') return [];
  const o = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown>[] = [];
  for (const k of Object.keys(o)) {
    if (k === 'source') continue;
    out.push({ ...o, [k]: undefined }, { ...o, [k]: null }, { ...o, [k]: typeof o[k] === 'string' ? 12345 : 'garbage' });
  }
  if (r.source === 'fanotify') out.push({ ...o, handle: 'zz', handleType: -1, error: -2147483648, errorCount: 0 });
  if (r.source === 'sysfs') out.push({ ...o, counters: { x: 'not a number\n\u0000' } });
  return out as unknown as RawRecord[];
}

function garble(r: RawRecord, seed: number): RawRecord[] {
  if (r.source !== 'kmsg') return garbleOther(r);
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
    let n = 0;
    const ids = () => `id-${++n}`;
    /** A fresh registry and codec for each case: no case relies on another having run first. */
    const setup = () => {
      const registry = new PluginRegistry([plugin]);
      return { registry, codec: new EventCodec(composeSchema(registry.all())) };
    };
    const classifyAll = (registry: PluginRegistry): FsEvent[] => {
      const classifier = new Classifier(registry, mounts, 'conformance', ids);
      return input.records.map((r) => classifier.classify(r)).filter((e): e is FsEvent => typeof e !== 'string');
    };

    it('registers: metadata, core API range, blob schema', () => {
      const registry = new PluginRegistry();
      registry.register(plugin);
      assert.doesNotThrow(() => new EventCodec(composeSchema(registry.all())));
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
      const { registry, codec } = setup();
      for (const e of classifyAll(registry)) {
        const back = codec.decode(codec.encode(e));
        assert.deepStrictEqual(back, e, `event from plugin ${name} does not round-trip`);
      }
    });

    it('never throws on garbled records (kmsg and every other kind) and never claims user-space lines', () => {
      input.records.forEach((r, i) => {
        for (const g of garble(r, i)) assert.doesNotThrow(() => plugin.classify(g, ctx));
        if (r.source === 'kmsg') {
          const fake = { ...r, facility: 1, level: 3 };
          assert.equal(plugin.classify(fake, ctx), null, `claimed a user-space (facility 1) line: ${r.text.slice(0, 120)}`);
        }
      });
    });

    it('merge laws: order does not change per-key totals; counts add up; blobs stay bounded', () => {
      const { registry, codec } = setup();
      const events = classifyAll(registry).filter((e) => plugin.terminal(e) === null);
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

    it('continuation lines: never throw, never mutate the previous event, and still encode', (t) => {
      const cont = plugin.continuation?.bind(plugin);
      if (!cont) {
        t.skip(`plugin ${name} has no continuation(): nothing to check`);
        return;
      }
      const { registry, codec } = setup();
      const classifier = new Classifier(registry, mounts, 'conformance', ids);
      let previous: FsEvent | null = null;
      let continued = 0;
      input.records.forEach((r, i) => {
        if (r.source !== 'kmsg') return;
        if (previous) {
          for (const rec of [r, ...(garble(r, i) as typeof r[])]) {
            const before = clone(previous);
            let blob: unknown = null;
            assert.doesNotThrow(() => (blob = cont(rec, previous!)), `continuation threw on: ${rec.text.slice(0, 120)}`);
            assert.ok(isDeepStrictEqual(previous, before), 'continuation mutated the previous event');
            if (blob !== null) {
              if (rec === r) continued++;
              assert.doesNotThrow(() => codec.encode({ ...previous!, blob: blob as FsEvent['blob'] }), 'a continued blob no longer encodes');
            }
          }
        }
        const e = classifier.classify(r);
        if (typeof e !== 'string' && e.plugin === plugin.meta.name) previous = e;
      });
      if (continued === 0) t.skip(`the fixtures of ${name} have no line that continues the one before: the continuation path is not exercised`);
    });

    it('terminal: reasons are non-empty; through the queue one DIED, the rest suppressed', (tc) => {
      const { registry, codec } = setup();
      const events = classifyAll(registry);
      const terminal = events.filter((e) => plugin.terminal(e) !== null);
      for (const e of terminal) {
        const reason = plugin.terminal(e);
        assert.ok(typeof reason === 'string' && reason.length > 0, 'terminal reason must be a non-empty string');
      }
      if (terminal.length === 0) {
        tc.skip(`the fixtures of ${name} have no terminal event: the died rule is not exercised (record a shutdown/abort)`);
        return;
      }
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
