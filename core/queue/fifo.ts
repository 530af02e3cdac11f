import type { FsEvent } from '../model/event';

/** One queued event and the bookkeeping the queue needs to undo its charge when it leaves. */
export class Entry {
  prev: Entry | null = null;
  next: Entry | null = null;
  /** Merge key (plugin key, already scoped by filesystem through FsState) or null. */
  key: string | null = null;
  /** Bytes charged to the budget (0 for the preallocated rescue slot). */
  charge = 0;
  /** Input events it stands for (1 + merged/suppressed ones). */
  inputs = 1;
  /** Whether it is linked in the FIFO now. */
  queued = false;
  /** The event's Avro body made for its charge, while the event is unchanged since; null otherwise. */
  body: Buffer | null = null;

  constructor(
    public event: FsEvent,
    /** Filesystem state key; null for the rescue slot. */
    public fs: string | null,
  ) {}
}

/**
 * Doubly linked FIFO: O(1) append and O(1) unlink anywhere (a budget shrink sheds from the tail while
 * DIED events and the rescue slot stay in place); no ring buffer to grow, so memory follows the queue.
 */
export class Fifo {
  head: Entry | null = null;
  tail: Entry | null = null;
  length = 0;

  append(e: Entry): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    e.queued = true;
    this.length++;
  }

  unlink(e: Entry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
    e.queued = false;
    this.length--;
  }
}
