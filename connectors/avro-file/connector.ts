/**
 * The Avro container-file connector: store cursor → rotated container files.
 *
 * Contract (core/pipeline/connector.ts): deliver() returns the last offset of the last file that
 * was renamed into place; events in the open temporary file are not durable yet, so the store
 * cursor stays behind them. After a crash the temporary file is deleted on open and its events are
 * read again from the store; a file that was renamed but whose cursor commit was lost is found by
 * its name, and open() resumes after it. So no event is missing and none is in two files.
 */
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { AvroFilesConfig } from '../../core/config/schema';
import { FsfaultError } from '../../core/errors';
import type { Connector, ConnectorContext } from '../../core/pipeline/connector';
import type { StoredEvent } from '../../core/store/types';
import { ensureDir, fsyncDir, renameNoClobber } from './durable-fs';
import { finalName, partitionDir, scanHost, tmpName, utcDay } from '../../core/avro/layout';
import { OcfWriter } from '../../core/avro/ocf-writer';

export interface AvroFileConnectorOptions {
  /** Wall clock in ms, for age rotation (tests inject one). */
  now?: () => number;
  /** How often the age of the open file is checked; default min(1 s, maxAgeSec / 4). */
  ageCheckMs?: number;
  /** Called after each file is renamed into place (metrics, tests). */
  onFile?: (file: { path: string; first: number; last: number; bytes: number }) => void;
}

interface OpenFile {
  writer: OcfWriter;
  dir: string;
  tmp: string;
  day: string;
  first: number;
  last: number;
  openedAt: number;
}

export function connectorName(config: AvroFilesConfig): string {
  return `avro:${path.resolve(config.dir)}`;
}

export function createAvroFileConnector(config: AvroFilesConfig, opts: AvroFileConnectorOptions = {}): Connector {
  const root = path.resolve(config.dir);
  const now = opts.now ?? Date.now;
  let ctx: ConnectorContext | null = null;
  let file: OpenFile | null = null;
  /** Last offset inside a renamed (durable) file. */
  let durable = 0;
  /** Last offset appended to the open file (≥ durable). */
  let appended = 0;
  let timer: NodeJS.Timeout | null = null;
  // One operation at a time: the age timer and the pump must not interleave on the open file.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };

  const need = (): ConnectorContext => {
    if (!ctx) throw new FsfaultError('CONNECTOR_FATAL', `${connectorName(config)}: used before open()`);
    return ctx;
  };

  /**
   * The file's `dt=` partition: the UTC day the event happened (firstSeen), so a replay of old
   * recordings or a backlog delivered late lands under the days it is about. A file never spans two
   * days: it is closed when the next event belongs to another day (offsets stay contiguous).
   */
  const eventDay = (se: StoredEvent) => utcDay(se.event.firstSeen);

  async function startFile(se: StoredEvent): Promise<OpenFile> {
    const c = need();
    const day = eventDay(se);
    const dir = partitionDir(root, day, c.host);
    await ensureDir(dir);
    const tmp = path.join(dir, tmpName(se.offset));
    const writer = await OcfWriter.create(tmp, {
      schemaText: JSON.stringify(c.schema.json),
      codec: config.codec,
      blockRecords: config.blockEvents,
      meta: { 'fsfault.fingerprint': c.schema.fingerprint, 'fsfault.host': c.host },
    });
    return { writer, dir, tmp, day, first: se.offset, last: se.offset - 1, openedAt: now() };
  }

  /** Finish the open file and rename it into place; afterwards its events are durable. */
  async function closeFile(): Promise<void> {
    const f = file;
    if (!f) return;
    file = null;
    if (f.writer.count === 0) {
      await f.writer.abort();
      await fsp.unlink(f.tmp).catch(() => undefined);
      return;
    }
    try {
      await f.writer.finish();
      const bytes = f.writer.size;
      const final = path.join(f.dir, finalName(f.first, f.last));
      if (!(await renameNoClobber(f.tmp, final))) {
        throw new FsfaultError('CONNECTOR_FATAL', `${final} already exists; refusing to replace it (was the store recreated? move the old files away)`, {
          details: { file: final },
        });
      }
      await fsyncDir(f.dir);
      durable = f.last;
      opts.onFile?.({ path: final, first: f.first, last: f.last, bytes });
    } catch (e) {
      appended = durable;
      await fsp.unlink(f.tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Drop the open file after a failed write: its events will be appended again. */
  async function abortFile(): Promise<void> {
    const f = file;
    file = null;
    appended = durable;
    if (f) {
      await f.writer.abort();
      await fsp.unlink(f.tmp).catch(() => undefined);
    }
  }

  async function append(se: StoredEvent): Promise<void> {
    const c = need();
    if (file && eventDay(se) !== file.day) await closeFile();
    if (!file) file = await startFile(se);
    // Rows written with the current schema are copied as stored; older rows are re-encoded with it
    // (the store decoded them through their writer schema), so a file has exactly one schema.
    const body = se.fingerprint === c.schema.fingerprint ? se.body : c.codec.encode(se.event);
    await file.writer.append(body);
    file.last = se.offset;
    appended = se.offset;
    if (file.writer.size >= config.rotate.maxBytes || now() - file.openedAt >= config.rotate.maxAgeSec * 1000) await closeFile();
  }

  async function appendBatch(batch: readonly StoredEvent[]): Promise<void> {
    for (const se of batch) {
      if (se.offset <= appended) continue; // re-delivered after a retry
      // A gap means events were handed to a file we had to abandon: read them back from the store.
      // (The store's scan: the rows are read as they are written, not kept as a page of decoded events.)
      if (se.offset > appended + 1) for (const m of need().log.scan({ fromOffset: appended + 1, toOffset: se.offset - 1 })) await append(m);
      await append(se);
    }
  }

  return {
    name: connectorName(config),
    retry: config.retry,

    async open(c: ConnectorContext): Promise<number> {
      ctx = c;
      await ensureDir(root);
      const scan = scanHost(root, c.host);
      for (const t of scan.tmpFiles) await fsp.unlink(t);
      if (scan.tmpFiles.length) c.warn(`avro-file: removed ${scan.tmpFiles.length} unfinished file(s) of an interrupted run; their events are written again`);
      const head = c.log.headOffset();
      if (scan.maxLast > head) {
        throw new FsfaultError('CONNECTOR_FATAL', `${root} holds files up to offset ${scan.maxLast} but the store ends at ${head}: the store was recreated or belongs to another host; move the old files away`, {
          details: { dir: root, filesMax: scan.maxLast, head },
        });
      }
      durable = appended = Math.max(c.committed, scan.maxLast);
      const every = opts.ageCheckMs ?? Math.min(1000, config.rotate.maxAgeSec * 250);
      timer = setInterval(() => {
        if (file && now() - file.openedAt >= config.rotate.maxAgeSec * 1000) {
          void serial(closeFile).catch((e: Error) => c.warn(`avro-file: rotating ${file?.tmp ?? 'file'} failed: ${e.message}`));
        }
      }, every);
      timer.unref();
      return durable;
    },

    deliver: (batch) =>
      serial(async () => {
        try {
          await appendBatch(batch);
        } catch (e) {
          await abortFile();
          throw e;
        }
        return durable;
      }),

    /**
     * Close and rename the open file. `{ idle: true }` (proposed pump extension: the pump flushes
     * whenever it catches up) keeps the file open instead, so a trickle of events does not become a
     * trickle of tiny files; the age rotation bounds how long events wait.
     */
    flush: (fopts?: { idle?: boolean }) => serial(async () => (fopts?.idle ? undefined : await closeFile(), durable)),

    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await serial(closeFile);
    },
  };
}
