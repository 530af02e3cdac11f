/**
 * Turns raw records into events by asking the owning plugin. kmsg records are offered to every
 * plugin in name order (first claim wins); fanotify, sysfs and ioctl records only to the plugin of
 * the filesystem's type. Every plugin call is wrapped: a throwing plugin is counted, never fatal.
 */
import { randomUUID } from 'node:crypto';
import { FsfaultError } from '../errors';
import { errnoName } from '../model/errno';
import { subtypeMask, type FsEvent, type EventDraft } from '../model/event';
import type { RawRecord } from '../model/raw-record';
import type { ClassifyContext, FsPlugin } from '../plugin-api';
import type { PluginRegistry } from '../plugins/registry';
import type { MountTable } from './mount-table';

export interface ClassifierCounters {
  classified: number;
  unclaimed: number;
  pluginErrors: number;
  lastPluginError: string | null;
}

export class Classifier {
  readonly counters: ClassifierCounters = { classified: 0, unclaimed: 0, pluginErrors: 0, lastPluginError: null };
  private readonly ctx: ClassifyContext;

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
  private candidates(record: RawRecord): FsPlugin[] {
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
      default:
        return [];
    }
  }

  classify(record: RawRecord): FsEvent | null {
    for (const plugin of this.candidates(record)) {
      let draft: EventDraft | null;
      try {
        draft = plugin.classify(record, this.ctx);
      } catch (e) {
        this.pluginFailed(plugin, 'classify', e);
        continue;
      }
      if (draft) {
        this.counters.classified++;
        return this.toEvent(plugin, draft);
      }
    }
    this.counters.unclaimed++;
    return null;
  }

  plugin(name: string): FsPlugin | undefined {
    return this.registry.get(name);
  }

  pluginFailed(plugin: FsPlugin | string, fn: string, e: unknown): void {
    const n = ++this.counters.pluginErrors;
    const name = typeof plugin === 'string' ? plugin : plugin.meta.name;
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
    return {
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
      ...(!d.path && d.pathError ? { pathError: d.pathError } : {}),
      plugin: plugin.meta.name,
      blob: d.blob,
      lost: null,
      death: null,
    };
  }
}
