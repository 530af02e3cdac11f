/**
 * `fsfault export`: a one-off copy of stored events into one Avro container file (the same schema
 * and header as the connector's files) or JSON lines (the `--json` view). Written under a temporary
 * name and renamed, so a half-written export never looks complete. A progress bar goes to stderr
 * only when it is a terminal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { FsfaultError } from '../../errors';
import { assertOutputFile, writeError } from '../../path-checks';
import { jsonView } from '../../model/json-view';
import { EventCodec } from '../../schema/codec';
import { schemaFor } from '../../container';
import type { EventLog } from '../../store/types';
import { openStoreReadOnly, storeRef } from '../../analytics/inputs';
import { timeRange } from '../time-arg';
import { isCodecName, type CodecName } from '../../avro/codecs';
import { OcfWriter } from '../../avro/ocf-writer';
import type { CliIo } from '../io';
import { progress } from '../progress';

export interface ExportOptions {
  config?: string;
  stateDir?: string;
  host?: string;
  /** A `<host>.fsfault.db` file to read instead of the configured store. */
  store?: string;
  format?: string;
  since?: string;
  until?: string;
  fs?: string;
  out?: string;
  codec?: string;
  plugin?: string[];
}

/** JSON lines are written in pieces of about this many characters (one write per piece, not per event). */
const WRITE_CHARS = 64 * 1024;
const PROGRESS_EVERY = 2000;

/** The export's progress on a terminal (share of the store's offsets read), and its one result line. */
export function progressBar(err: NodeJS.WritableStream & { isTTY?: boolean }, total: number) {
  const p = progress(err, 'exporting', total);
  return {
    update: p.update,
    end(events: number, out: string) {
      p.clear();
      err.write(`fsfault: exported ${events} events to ${out}\n`);
    },
  };
}

/** Export from an open log; returns the number of events written. */
export async function exportEvents(log: EventLog, codec: EventCodec, opts: ExportOptions, io: CliIo, nowMs = Date.now()): Promise<number> {
  const format = opts.format ?? 'avro';
  if (format !== 'avro' && format !== 'jsonl') throw new FsfaultError('CLI_BAD_ARGUMENT', `option --format must be avro or jsonl (got '${format}')`);
  const codecName = opts.codec ?? 'deflate';
  if (!isCodecName(codecName)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option --codec must be null, deflate or snappy (got '${codecName}')`);
  if (opts.codec !== undefined && format !== 'avro') throw new FsfaultError('CLI_BAD_ARGUMENT', `option --codec applies to --format avro only (got --format ${format} --codec ${opts.codec})`);
  if (!opts.out) throw new FsfaultError('CLI_BAD_ARGUMENT', 'option --out PATH is required');
  const range = timeRange(opts, nowMs * 1000);
  if (opts.out !== '-') {
    assertOutputFile('--out', opts.out);
    return writeExport(log, codec, { ...opts, format, codec: codecName }, range, opts.out, io);
  }
  // `--out -`: standard output. The export is written to a private temporary file first (the same
  // code path, complete or nothing) and then copied out.
  if (format === 'avro' && (io.out as { isTTY?: boolean }).isTTY) {
    throw new FsfaultError('CLI_BAD_ARGUMENT', '--out - with --format avro would write binary Avro to a terminal; redirect standard output or use --format jsonl');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-export-'));
  try {
    const file = path.join(dir, 'export');
    const n = await writeExport(log, codec, { ...opts, format, codec: codecName }, range, file, io, 'standard output');
    await pipeline(fs.createReadStream(file), io.out, { end: false });
    return n;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function writeExport(
  log: EventLog,
  codec: EventCodec,
  opts: ExportOptions & { format: 'avro' | 'jsonl'; codec: CodecName },
  { since, until }: { since?: number; until?: number },
  out: string,
  io: CliIo,
  outName = out,
): Promise<number> {
  const { format, codec: codecName } = opts;
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  const head = log.headOffset();
  const bar = progressBar(io.err as NodeJS.WritableStream & { isTTY?: boolean }, head);

  const schema = codec.schema;
  const avro =
    format === 'avro'
      ? await OcfWriter.create(tmp, { schemaText: JSON.stringify(schema.json), codec: codecName, blockRecords: 1000, meta: { 'fsfault.fingerprint': schema.fingerprint } })
      : null;
  const jsonl = format === 'jsonl' ? fs.openSync(tmp, 'w', 0o644) : null;
  let n = 0;
  try {
    // The store's scan: memory stays flat over any number of events (core/store/sqlite-store.ts scan()).
    let lines: string[] = [];
    let pending = 0;
    const flush = () => {
      fs.writeSync(jsonl!, lines.join(''));
      lines = [];
      pending = 0;
    };
    for (const se of log.scan({ since, until, device: opts.fs })) {
      if (avro) await avro.append(se.fingerprint === schema.fingerprint ? se.body : codec.encode(se.event));
      else {
        const line = JSON.stringify(jsonView(se.event, se.offset)) + '\n';
        lines.push(line);
        pending += line.length;
        if (pending >= WRITE_CHARS) flush();
      }
      if (++n % PROGRESS_EVERY === 0) bar.update(se.offset, n);
    }
    if (lines.length) flush();
    if (avro) await avro.finish();
    else {
      fs.fsyncSync(jsonl!);
      fs.closeSync(jsonl!);
    }
    fs.renameSync(tmp, out);
  } catch (e) {
    if (avro) await avro.abort();
    else if (jsonl !== null) fs.closeSync(jsonl);
    fs.rmSync(tmp, { force: true });
    throw writeError('--out', out, e);
  }
  bar.update(head, n, true);
  bar.end(n, outName);
  if (n === 0) io.err.write('fsfault: no stored events match (the export is empty)\n');
  return n;
}

export async function runExport(opts: ExportOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts.config, io.env);
  if (opts.plugin?.length) config.plugins = [...config.plugins, ...opts.plugin];
  const codec = new EventCodec(schemaFor(config));
  const ref = opts.store ? storeRef(opts.store) : { stateDir: opts.stateDir ?? config.stateDir, host: opts.host ?? config.host };
  const log = openStoreReadOnly(ref);
  try {
    return await exportEvents(log, codec, opts, io);
  } finally {
    log.close();
  }
}

export function register(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('copy stored events to one Avro container file or JSON lines')
    .requiredOption('--out <path>', 'file to write (replaced atomically when complete); - for standard output')
    .option('--format <fmt>', 'avro or jsonl', 'avro')
    .option('--codec <codec>', 'Avro block codec: null, deflate or snappy (default deflate; --format avro only)')
    .option('--since <time>', 'events seen at or after: 2025-01-15, 2025-01-15T10:00Z, 24h, 7d, Unix seconds')
    .option('--until <time>', 'events first seen before this time')
    .option('--fs <device>', 'only this filesystem (device short name, e.g. loop0)')
    .option('--config <file>', 'configuration file (YAML): stateDir, host and plugins')
    .option('--state-dir <dir>', 'state directory of the store (default: from the config)')
    .option('--host <name>', 'host whose store to read (default: from the config)')
    .option('--store <file>', 'read this <host>.fsfault.db file')
    .option('--plugin <module...>', 'extra plugin modules (their blob branches join the file schema)')
    .action(async (opts: ExportOptions) => {
      await runExport(opts, io);
    });
}
