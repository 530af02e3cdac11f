/**
 * examplefs: a deliberately small plugin for the core's tests and as a template for plugin
 * authors. It claims the made-up filesystem type `examplefs` and parses kernel-log lines like
 *   EXAMPLEFS error (device sdz1): read_block:42: errno 5: bad block 77
 *   EXAMPLEFS (device sdz1): shutting down: log write failed
 */
import { definePlugin, type FsPlugin, type KmsgRecord } from '../../core/plugin-api';

export interface ExampleBlob extends Record<string, unknown> {
  function: string | null;
  line: number | null;
  message: string | null;
  /** Distinct functions seen in merged events, at most MAX_FUNCTIONS (bounded merge). */
  functions: string[];
}

const MAX_FUNCTIONS = 8;
const ERROR_LINE = /^EXAMPLEFS error \(device ([^)]+)\): (\w+):(\d+): errno (\d+): (.*)$/;
const SHUTDOWN_LINE = /^EXAMPLEFS \(device ([^)]+)\): shutting down: (.*)$/;

function fromKmsg(r: KmsgRecord) {
  if (r.facility !== 0) return null; // a user process wrote this line: not the kernel's word
  const e = ERROR_LINE.exec(r.text);
  if (e) {
    return {
      device: e[1]!,
      errno: Number(e[4]),
      fn: e[2]!,
      line: Number(e[3]),
      message: e[5]!,
    };
  }
  const s = SHUTDOWN_LINE.exec(r.text);
  if (s) return { device: s[1]!, errno: 108, fn: 'shutdown', line: null, message: s[2]! };
  return null;
}

export const examplePlugin: FsPlugin<ExampleBlob> = definePlugin<ExampleBlob>({
  meta: { name: 'example', version: '1.0.0', coreApi: '^1.0.0', fsTypes: ['examplefs'], description: 'template plugin for tests' },
  blobSchema: {
    type: 'record',
    name: 'fsfault.plugins.example.ExampleBlob',
    fields: [
      { name: 'function', type: ['null', 'string'], default: null },
      { name: 'line', type: ['null', 'int'], default: null },
      { name: 'message', type: ['null', 'string'], default: null },
      { name: 'functions', type: { type: 'array', items: 'string' }, default: [] },
    ],
  },
  classify(record) {
    if (record.source !== 'kmsg') return null;
    const p = fromKmsg(record);
    if (!p) return null;
    return {
      device: p.device,
      errno: p.errno,
      count: 1,
      timeUs: record.readAtUs,
      source: 'kmsg',
      subtypes: p.fn === 'shutdown' ? ['shutdown'] : p.errno === 5 ? ['io'] : ['metadata'],
      blob: { function: p.fn, line: p.line, message: p.message, functions: [p.fn] },
    };
  },
  mergeKey(e) {
    return `${e.errno}:${e.blob?.function ?? ''}`;
  },
  merge(into, from) {
    for (const f of from.functions) {
      if (into.functions.length >= MAX_FUNCTIONS) break;
      if (!into.functions.includes(f)) into.functions.push(f);
    }
    return into;
  },
  terminal(e) {
    return e.blob?.function === 'shutdown' ? `shutdown: ${e.blob.message}` : null;
  },
});
