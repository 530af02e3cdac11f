/**
 * The watcher wrapper: validates and normalises options so the C++ constructor sees one canonical
 * shape, and turns native errors into FsfaultError. The binding is passed in (native/index.ts
 * passes the loaded addon).
 */
import { FsfaultError } from '../core/errors';
import { callNative, fromNativeError } from './native-error';
import type { BatchHandler, NativeBinding, NativeWatcherOptions, Watcher, WatcherOptions } from './types';

function invalid(msg: string): FsfaultError {
  return new FsfaultError('CONFIG_INVALID', `createWatcher: ${msg}`);
}

function intIn(v: unknown, dflt: number, lo: number, hi: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(`${name} must be an integer in [${lo}, ${hi}] (got ${String(v)})`);
  return v;
}

export function normaliseWatcherOptions(o: WatcherOptions): NativeWatcherOptions {
  const native: NativeWatcherOptions = {
    kmsg: o.kmsg !== undefined,
    kmsgStart: 'end',
    afterSeq: 0,
    fanotify: o.fanotify === true,
    batchMax: intIn(o.batchMax, 256, 1, 65536, 'batchMax'),
    maxPendingBatches: intIn(o.maxPendingBatches, 16, 1, 65536, 'maxPendingBatches'),
  };
  if (o.kmsg !== undefined) {
    const start: unknown = o.kmsg.start;
    if (start === 'end' || start === 'oldest') native.kmsgStart = start;
    else if (start && typeof start === 'object' && 'afterSeq' in start) {
      native.kmsgStart = 'after';
      native.afterSeq = intIn(start.afterSeq, 0, 0, Number.MAX_SAFE_INTEGER, 'kmsg.start.afterSeq');
    } else throw invalid(`kmsg.start must be 'end', 'oldest' or { afterSeq } (got ${JSON.stringify(start)})`);
  }
  if (!native.kmsg && !native.fanotify && !o.onMountsChanged) throw invalid('nothing to watch: give kmsg, fanotify or onMountsChanged');
  return native;
}

export function createWatcherWith(binding: NativeBinding, options: WatcherOptions, onBatch: BatchHandler): Watcher {
  const native = normaliseWatcherOptions(options);
  const onError = (e: Error): void => {
    const err = fromNativeError(e) as FsfaultError;
    if (!options.onError) throw err; // never swallowed: uncaught unless the caller handles it
    options.onError(err);
  };
  const w = callNative(() => new binding.Watcher(native, onBatch, options.onMountsChanged, onError));
  const requireFanotify = (op: string): void => {
    if (!native.fanotify) throw invalid(`${op}: the watcher was created without fanotify: true`);
  };
  return {
    markFilesystem(mountPoint: string): void {
      requireFanotify('markFilesystem');
      callNative(() => w.markFilesystem(mountPoint));
    },
    unmarkFilesystem(mountPoint: string): void {
      requireFanotify('unmarkFilesystem');
      callNative(() => w.unmarkFilesystem(mountPoint));
    },
    pause: () => w.pause(),
    resume: () => w.resume(),
    stop: () => w.stop(),
    stats: () => w.stats(),
    lastKmsgSeq: () => w.lastKmsgSeq(),
  };
}
