/**
 * Turns raw records into events by asking the owning plugin. kmsg records are offered to every
 * plugin in name order (first claim wins); fanotify, sysfs and ioctl records only to the plugin of
 * the filesystem's type. It owns every plugin call on the way in — classification, continuation
 * lines, and the accounting of failures — so the pipeline only routes what comes out: an event,
 * `unclaimed` (no plugin's record), or `failed` (a plugin threw and none claimed it: the record
 * may have been an error nobody can describe now, so the pipeline counts it as lost).
 */
import { randomUUID } from 'node:crypto';
import { FsfaultError } from '../errors';
import { errnoName } from '../model/errno';
import { subtypeMask, type Blob, type FsEvent, type EventDraft } from '../model/event';
import type { KmsgRecord, RawRecord } from '../model/raw-record';
import type { ClassifyContext, FsPlugin } from '../plugin-api';
import type { PluginRegistry } from '../plugins/registry';
import type { MountTable } from './mount-table';

export interface ClassifierCounters {
  classified: number;
  unclaimed: number;
  pluginErrors: number;
  lastPluginError: string | null;
}

/** What a record became: an event, nobody's record, or a record a plugin failed on. */
export type Classification = FsEvent | 'unclaimed' | 'failed';

/** A kernel-log line that completes an earlier event: its plugin's new blob for that event. */
export interface Continuation {
  event: FsEvent;
  blob: Blob;
}

export class Classifier {
  readonly counters: ClassifierCounters = { classified: 0, unclaimed: 0, pluginErrors: 0, lastPluginError: null };
  private readonly ctx: ClassifyContext;
  /** Per plugin: the last kernel-log record it classified and the event it made, for continuation lines. */
  private readonly lastKmsg = new Map<string, { seq: number; event: FsEvent }>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly mounts: MountTable,
    private readonly host: string,
    private readonly newId: () => string = randomUUID,
    /** Told about plugin failures (the first, then every 1000th), as PLUGIN_FAILED errors. */
    private readonly onPluginError?: (err: FsfaultError) => void,
  ) {
    this.ctx = {
      mountByDevice: (d) => mounts.byDevice(d),
      mountByFsid: (f) => mounts.byFsid(f),
      fanotifyWatched: (d) => mounts.fanotifyWatched(d),
      fsGeometry: (d) => mounts.geometry(d),
    };
  }

  /** Candidate plugins for a record, in the order they are asked. */
  private candidates(record: RawRecord): readonly FsPlugin[] {
    switch (record.source) {
      case 'kmsg':
        return this.registry.all();
      case 'fanotify': {
        const m = this.mounts.byFsid(record.fsid);
        const p = m ? this.registry.forFsType(m.fsType) : undefined;
        return p ? [p] : [];
      }
      case 'sysfs':
      case 'ioctl': {
        const p = this.registry.forFsType(record.fsType);
        return p ? [p] : [];
      }
      default: {
        // A record of a source the core does not define, made by a plugin's own probe (e.g. a
        // filesystem's health-event channel): it names its filesystem type, and goes to that plugin.
        const fsType = (record as { fsType?: unknown }).fsType;
        const p = typeof fsType === 'string' ? this.registry.forFsType(fsType) : undefined;
        return p ? [p] : [];
      }
    }
  }

  classify(record: RawRecord): Classification {
    let failed = false;
    for (const plugin of this.candidates(record)) {
      let draft: EventDraft | null;
      try {
        draft = plugin.classify(record, this.ctx);
      } catch (e) {
        this.pluginFailed(plugin, 'classify', e);
        failed = true;
        continue;
      }
      if (draft) {
        this.counters.classified++;
        const event = this.toEvent(plugin, draft);
        if (record.source === 'kmsg') this.lastKmsg.set(plugin.meta.name, { seq: record.seq, event });
        return event;
      }
    }
    if (failed) return 'failed';
    this.counters.unclaimed++;
    return 'unclaimed';
  }

  /**
   * A kernel-log record right after one a plugin classified may only complete that report (XFS
   * hex dumps, advice lines): the plugin returns the event's new blob and the record is no event.
   * Whoever owns the event applies the blob (the queue, while the event is still queued).
   */
  continuation(r: KmsgRecord): Continuation | null {
    for (const [name, last] of this.lastKmsg) {
      if (r.seq !== last.seq + 1) continue;
      const plugin = this.registry.get(name);
      if (!plugin?.continuation) continue;
      let blob: Blob | null;
      try {
        blob = plugin.continuation(r, last.event);
      } catch (err) {
        this.pluginFailed(plugin, 'continuation', err);
        continue;
      }
      if (blob === null) continue;
      last.seq = r.seq;
      return { event: last.event, blob };
    }
    return null;
  }

  private pluginFailed(plugin: FsPlugin, fn: string, e: unknown): void {
    const n = ++this.counters.pluginErrors;
    const name = plugin.meta.name;
    this.counters.lastPluginError = `${name}.${fn}: ${(e as Error)?.message ?? String(e)}`;
    if (this.onPluginError && (n === 1 || n % 1000 === 0)) {
      this.onPluginError(
        new FsfaultError('PLUGIN_FAILED', `plugin ${name}: ${fn} threw (${n} plugin failure${n === 1 ? '' : 's'} so far; the record is counted, not lost silently): ${(e as Error)?.message ?? String(e)}`, {
          cause: e,
          details: { plugin: name, function: fn, failures: n },
        }),
      );
    }
  }

  private toEvent(plugin: FsPlugin, d: EventDraft): FsEvent {
    const errno = d.errno === null ? null : Math.abs(d.errno);
    // One literal, no conditional spread: every classified record of a flood comes through here, and
    // a spread in a literal is a slow generic copy. Output goes through jsonView/Avro (fixed field
    // order), so where pathError sits among the keys does not matter.
    const e: FsEvent = {
      id: this.newId(),
      host: this.host,
      kind: 'ERROR',
      fs: this.mounts.identity(plugin.meta.fsTypes[0]!, d.device, d.fsid),
      errno,
      errnoName: errno === null ? null : errnoName(errno),
      count: d.count,
      firstSeen: d.timeUs,
      lastSeen: d.timeUs,
      sources: [d.source],
      subtypes: subtypeMask(d.subtypes),
      inode: d.inode ?? null,
      handleType: d.handleType ?? null,
      handle: d.handle ?? null,
      path: d.path ?? null,
      plugin: plugin.meta.name,
      blob: d.blob,
      lost: null,
      death: null,
    };
    if (!d.path && d.pathError) e.pathError = d.pathError;
    return e;
  }
}
