/**
 * The queue's plugin callbacks (merge key, blob merge, died rule), routed by `event.plugin` to the
 * registered plugin. A leaf of the plugin registry, not of the composition root, so the plugin kit
 * drives the real queue without the container.
 */
import type { FsEvent } from '../model/event';
import type { QueueHooks } from '../queue/queue-types';
import type { PluginRegistry } from './registry';

/** The queue's plugin callbacks: each event goes to the plugin named by `event.plugin`. */
export function queueHooks(registry: PluginRegistry): QueueHooks {
  const plugin = (e: FsEvent) => (e.plugin === null ? undefined : registry.get(e.plugin));
  return {
    mergeKey: (e) => plugin(e)?.mergeKey(e) ?? null,
    // A throwing merge is counted by the queue, which then keeps the event unmerged.
    merge: (into, from) => {
      const p = plugin(into);
      if (!p || into.blob === null || from.blob === null) return into.blob ?? from.blob ?? {};
      return p.merge(into.blob, from.blob);
    },
    terminal: (e) => plugin(e)?.terminal(e) ?? null,
  };
}
