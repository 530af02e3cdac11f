/**
 * What the live source asks of the kernel, as one injected dependency: the real one is the native
 * addon (and sysfs, procfs); unit tests pass a fake and test the source's own logic — mount diff,
 * marks, the kernel-log backlog, counter/probe scheduling, slow lookups — without root.
 */
import type { MountInfo, CounterRecord } from '../model/raw-record';
import type { CounterProbe } from '../plugin-api';
import { createWatcher, readMountTable, resolveHandleAsync } from '../../native/index';
import type { BatchHandler, ResolvedHandle, Watcher, WatcherOptions } from '../../native/types';
import { readCounters } from './live-counters';
import { kmsgHeadSeq } from './live-kmsg-cursor';
import { assertLivePrivileges } from './live-privileges';

export interface LiveNative {
  assertPrivileges(need: { kmsg: boolean; fanotify: boolean }): void;
  createWatcher(options: WatcherOptions, onBatch: BatchHandler): Watcher;
  /** Sequence number of the newest kernel-log record now (null: the log is empty). */
  kmsgHeadSeq(): Promise<number | null>;
  readMountTable(): MountInfo[];
  /** Handle → path, off the JS thread. */
  resolveHandle(mountPoint: string, handleType: number, handleHex: string): Promise<ResolvedHandle>;
  readCounters(probe: CounterProbe, mount: MountInfo): CounterRecord | null;
}

export const REAL_LIVE_NATIVE: LiveNative = {
  assertPrivileges: assertLivePrivileges,
  createWatcher,
  kmsgHeadSeq,
  readMountTable,
  resolveHandle: resolveHandleAsync,
  readCounters: (probe, mount) => readCounters(probe, mount),
};
