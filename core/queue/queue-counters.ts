/**
 * Every counter of the queue, in one plain object (metrics read it). `*Errors` variants sum the
 * events' `count` (kernel errors) where the plain ones count input events.
 *
 * Identities (checked by test/unit/queue-property.test.ts, defined in README.md):
 *   pushed       = emittedNew + merged + rescued + suppressed + died          (where each input went)
 *   pushed       = takenInputs + queuedInputsNow + rescued + evicted          (where each input is now)
 *   pushedErrors = takenErrors + queuedErrorsNow + rescuedErrors + evictedErrors
 */
export interface QueueCounters {
  /** push() calls (input events). */
  pushed: number;
  pushedErrors: number;
  /** Queued as a new ERROR event. */
  emittedNew: number;
  emittedNewErrors: number;
  /** Merged into a queued ERROR event. */
  merged: number;
  mergedErrors: number;
  /** Not admitted: counted in the rescue (LOST) event. */
  rescued: number;
  rescuedErrors: number;
  /** On a dead filesystem: counted into its DIED or SUPPRESSED event. */
  suppressed: number;
  suppressedErrors: number;
  /** Killed their filesystem: queued as a DIED event. */
  died: number;
  diedErrors: number;
  /** Inputs (and their errors) inside queued events shed into the rescue event by a budget shrink. */
  evicted: number;
  evictedErrors: number;
  /** Plugin hook calls that threw. */
  pluginErrors: number;
  /** Losses reported by sources (sum of their counts). */
  upstreamLost: number;
  /** Events handed to the consumer, LOST included. */
  taken: number;
  takenLost: number;
  /** Inputs and errors inside the taken ERROR/DIED/SUPPRESSED events. */
  takenInputs: number;
  takenErrors: number;
  /** Events queued now, the rescue event included. */
  queuedNow: number;
  queuedInputsNow: number;
  queuedErrorsNow: number;
  /** Bytes charged now (DIED events included, the preallocated rescue slot not). */
  bytesNow: number;
}

export function zeroCounters(): QueueCounters {
  return {
    pushed: 0,
    pushedErrors: 0,
    emittedNew: 0,
    emittedNewErrors: 0,
    merged: 0,
    mergedErrors: 0,
    rescued: 0,
    rescuedErrors: 0,
    suppressed: 0,
    suppressedErrors: 0,
    died: 0,
    diedErrors: 0,
    evicted: 0,
    evictedErrors: 0,
    pluginErrors: 0,
    upstreamLost: 0,
    taken: 0,
    takenLost: 0,
    takenInputs: 0,
    takenErrors: 0,
    queuedNow: 0,
    queuedInputsNow: 0,
    queuedErrorsNow: 0,
    bytesNow: 0,
  };
}
