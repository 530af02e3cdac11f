/**
 * `fsfault report`: a summary of filesystem errors from the local store or from Avro files of any
 * number of hosts (a fleet report), as text, JSON or one self-contained HTML page.
 * Exit status 1 (report still written) when an input was damaged; the warning names file and byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { FsfaultError } from '../../errors';
import { assertOutputFile, writeError } from '../../path-checks';
import { resolvePlugins } from '../../container';
import { ReportBuilder, reportSectionsOf, renderReportChunks, type ReportFormat, type ReportModel } from '../../analytics';
import { addAvroFile, addStore } from '../../analytics/report-sources';
import { classifyInputs, openStoreReadOnly, type StoreRef } from '../../analytics/inputs';
import { timeRange } from '../time-arg';
import { warnTo, type CliIo } from '../io';
import { progress } from '../progress';

export interface ReportOptions {
  config?: string;
  stateDir?: string;
  host?: string;
  input?: string[];
  since?: string;
  until?: string;
  format?: string;
  out?: string;
  /** Hours of the rising-rate window. */
  risingWindow?: string;
}

export interface ReportResult {
  model: ReportModel;
  /** Inputs that could not be read completely. */
  damaged: number;
}

export function buildReport(opts: ReportOptions, io: CliIo, nowMs: number = Date.now()): ReportResult {
  const { since, until } = timeRange(opts, nowMs * 1000);
  let rising;
  if (opts.risingWindow !== undefined) {
    const h = Number(opts.risingWindow);
    if (!(h > 0)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option --rising-window must be a positive number of hours (got '${opts.risingWindow}')`);
    rising = { windowSec: Math.round(h * 3600), ratio: 2, minCount: 10 };
  }
  let stores: StoreRef[];
  let avroFiles: string[] = [];
  if (opts.input?.length) ({ stores, avroFiles } = classifyInputs(opts.input));
  else {
    const config = loadConfig(opts.config, io.env);
    stores = [{ stateDir: opts.stateDir ?? config.stateDir, host: opts.host ?? config.host, file: '' }];
  }
  // Several inputs may hold the same events (an export and the store it came from): count each
  // event id once. One input holds each event once by construction, so it skips the bookkeeping.
  // The plugin set of the config (built-in + `plugins:`) declares the per-filesystem sections.
  const sections = reportSectionsOf(resolvePlugins(loadConfig(opts.config, io.env)));
  const b = new ReportBuilder({ since, until, rising, now: () => nowMs, dedupe: stores.length + avroFiles.length > 1, sections });
  const total = stores.length + avroFiles.length;
  const bar = progress(io.err as NodeJS.WritableStream & { isTTY?: boolean }, 'reading inputs', total);
  let done = 0;
  let read = 0;
  const tick = (n: number) => bar.update(done, (read += n));
  try {
    for (const ref of stores) {
      const log = openStoreReadOnly(ref);
      try {
        addStore(b, log.file, log, { since, until }, tick);
      } finally {
        log.close();
      }
      done++;
    }
    for (const f of avroFiles) {
      addAvroFile(b, f, tick);
      done++;
    }
  } catch (e) {
    b.close();
    throw e;
  } finally {
    bar.clear();
  }
  const warn = warnTo(io);
  if (b.duplicates) b.warnings.push(`${b.duplicates} event(s) held by more than one input were counted once`);
  for (const w of b.warnings) warn(`warning: ${w}`);
  return { model: b.build(), damaged: b.inputs.filter((i) => i.error !== null).length };
}

export function parseFormat(v: string | undefined): ReportFormat {
  const f = v ?? 'text';
  if (f !== 'text' && f !== 'json' && f !== 'html') throw new FsfaultError('CLI_BAD_ARGUMENT', `option --format must be text, json or html (got '${f}')`);
  return f;
}

/** Write next to the target and rename, so a reader never sees half a report. */
export function writeFileAtomic(file: string, text: string | Iterable<string>): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    if (typeof text === 'string') fs.writeFileSync(tmp, text);
    else {
      const fd = fs.openSync(tmp, 'w');
      try {
        for (const piece of text) fs.writeSync(fd, piece);
      } finally {
        fs.closeSync(fd);
      }
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw writeError('--out', file, e);
  }
}

export async function runReport(opts: ReportOptions, io: CliIo): Promise<number> {
  const format = parseFormat(opts.format);
  // `--out -` is standard output, like no --out; any other path is checked before the work.
  const out = opts.out === '-' ? undefined : opts.out;
  if (out !== undefined) assertOutputFile('--out', out);
  const { model, damaged } = buildReport(opts, io);
  if (model.totals.events === 0) warnTo(io)('no stored events match');
  // In pieces: a JSON report lists every death, and one string of it all would be tens of MB.
  const pieces = renderReportChunks(model, format);
  if (out !== undefined) writeFileAtomic(out, pieces);
  else for (const piece of pieces) io.out.write(piece);
  return damaged ? 1 : 0;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('summarise filesystem errors from the local store or Avro files (several hosts: a fleet report)')
    .option('--config <file>', 'configuration file (YAML): stateDir and host of the default store')
    .option('--state-dir <dir>', 'state directory of the store to read (default: from the config)')
    .option('--host <name>', 'host whose store to read (default: from the config)')
    .option('--input <paths...>', 'stores (<host>.fsfault.db, or a state dir) and/or Avro files or directories of them')
    .option('--since <time>', 'from this time: 2025-01-15, 2025-01-15T10:00Z, 24h, 7d, Unix seconds')
    .option('--until <time>', 'up to (excluding) this time')
    .option('--format <fmt>', 'text, json or html', 'text')
    .option('--out <file>', 'write to this file instead of stdout (- is stdout)')
    .option('--rising-window <hours>', 'window of the rising-error-rate rule (default 6)')
    .action(async (opts: ReportOptions) => {
      const code = await runReport(opts, io);
      if (code) process.exitCode = code;
    });
}
