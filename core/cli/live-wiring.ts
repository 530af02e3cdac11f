/**
 * Connects a LiveSource to the pipeline a container built: the source resumes from the store's
 * cursors, and the pipeline gets the counter reconciler and the boot id it stores next to the
 * kernel-log cursor. `watch` and the kernel-test harness wire it the same way.
 */
import { TOKENS } from '../container';
import type { EventQueue } from '../queue/event-queue';
import { CounterReconciler } from '../pipeline/counter-reconciler';
import type { MountTable } from '../pipeline/mount-table';
import type { Pipeline } from '../pipeline/pipeline';
import type { PluginRegistry } from '../plugins/registry';
import type { EventLog } from '../store/types';
import { bootId } from '../sources/live-kmsg-cursor';
import type { LiveSource } from '../sources/live-source';

/** The part of the inversify container this needs (only container.ts imports inversify). */
export interface Resolver {
  get<T>(id: symbol): T;
}

export interface LiveWiring {
  pipeline: Pipeline;
  log: EventLog;
  counters: CounterReconciler;
}

export function wireLiveSource(c: Resolver, source: LiveSource, opts: { warn(message: string): void }): LiveWiring {
  const pipeline = c.get<Pipeline>(TOKENS.Pipeline);
  const log = c.get<EventLog>(TOKENS.EventLog);
  const queue = c.get<EventQueue>(TOKENS.Queue);
  const registry = c.get<PluginRegistry>(TOKENS.PluginRegistry);
  const counters = new CounterReconciler({
    probeFor: (t) => registry.forFsType(t)?.counters,
    mounts: c.get<MountTable>(TOKENS.MountTable),
    reportLoss: (l) => queue.reportLoss(l),
    storedCursor: (n) => log.sourceCursor(n),
    // The source re-reads a counter that moved after settleMs: that pair is the quiet period.
    quietMs: source.settleMs,
    warn: opts.warn,
  });
  const boot = bootId();
  source.resumeFrom(log, boot);
  source.onSelfInflicted((m, n) => counters.excuse(m.fsType, m.device, n));
  pipeline.useLiveState({ counters, kmsgBootId: boot, sourceCounters: () => source.counters() });
  return { pipeline, log, counters };
}
