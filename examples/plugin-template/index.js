// An out-of-tree fsfault plugin for the made-up filesystem `demofs`. It depends only on the public
// plugin API (`fsfault/plugin-api`), never on fsfault's internals. Load it with
//   fsfault watch --plugin fsfault-plugin-demofs        (or `plugins: [fsfault-plugin-demofs]`)
// Kernel lines it understands:
//   DEMOFS error (device sdz1): read_block:42: errno 5: bad block 77
//   DEMOFS (device sdz1): shutting down: log write failed
'use strict';
const { definePlugin } = require('fsfault/plugin-api');

const ERROR_LINE = /^DEMOFS error \(device ([^)]+)\): (\w+):(\d+): errno (\d+): (.*)$/;
const SHUTDOWN_LINE = /^DEMOFS \(device ([^)]+)\): shutting down: (.*)$/;
const MAX_FUNCTIONS = 8;

const plugin = definePlugin({
  meta: { name: 'demofs', version: '0.1.0', coreApi: '^1.2.0', fsTypes: ['demofs'], description: 'template plugin' },
  blobSchema: {
    type: 'record',
    name: 'DemofsDetail',
    namespace: 'fsfault.plugins.demofs',
    fields: [
      { name: 'function', type: ['null', 'string'], default: null },
      { name: 'message', type: ['null', 'string'], default: null },
      { name: 'functions', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'shutdown', type: 'boolean', default: false },
    ],
  },
  classify(record) {
    if (record.source !== 'kmsg' || record.facility !== 0) return null;
    const text = String(record.text).split('\n')[0];
    const e = ERROR_LINE.exec(text);
    if (e) {
      return {
        device: e[1], errno: Number(e[4]), count: 1, timeUs: record.readAtUs, source: 'kmsg', subtypes: ['io'],
        blob: { function: e[2], message: e[5].slice(0, 200), functions: [e[2]], shutdown: false },
      };
    }
    const s = SHUTDOWN_LINE.exec(text);
    if (s) {
      return {
        device: s[1], errno: null, count: 1, timeUs: record.readAtUs, source: 'kmsg', subtypes: ['shutdown'],
        blob: { function: null, message: s[2].slice(0, 200), functions: [], shutdown: true },
      };
    }
    return null;
  },
  mergeKey: (event) => (event.blob.shutdown ? null : `${event.errno}:${event.blob.function}`),
  merge(into, from) {
    const functions = [...into.functions];
    for (const f of from.functions) if (functions.length < MAX_FUNCTIONS && !functions.includes(f)) functions.push(f);
    return { ...into, functions };
  },
  terminal: (event) => (event.blob.shutdown ? `shutdown: ${event.blob.message}` : null),
});

module.exports = { plugin };
