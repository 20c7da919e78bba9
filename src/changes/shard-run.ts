import { SHARD_END } from "../requests/leases.js";
import type { Position } from "./stream.js";

/** A change waiting in the feed, or the decoding error the loop must meet at its place. */
export interface Entry<C> {
  readonly run: ShardRun<C>;
  readonly change: C | undefined;
  readonly error: Error | undefined;
  /** What the shard's checkpoint becomes once this is acknowledged: it may cover skipped records after it. */
  through: string;
  acked: boolean;
}

/** A checkpoint `at:<sequence>`: read again from that record, itself included. */
export const AT = "at:";

/** Where a checkpoint says to start; undefined for a finished shard. */
export function positionOf(checkpoint: string): Position | undefined {
  if (checkpoint === SHARD_END) return undefined;
  if (checkpoint === "TRIM_HORIZON" || checkpoint === "LATEST") return { type: checkpoint };
  if (checkpoint.startsWith(AT)) {
    return { type: "AT_SEQUENCE_NUMBER", sequence: checkpoint.slice(AT.length) };
  }
  return { type: "AFTER_SEQUENCE_NUMBER", sequence: checkpoint };
}

/** At most this many changes of one shard wait in the feed before its reader waits too. */
const HIGH_WATER = 1_000;

/** One shard this feed reads: where it stands, what waits for the loop, what is acknowledged. */
export class ShardRun<C> {
  readonly id: string;
  /** Where its reader starts. */
  readonly start: Position;
  /** With a group: the holder its lease was taken as (its fence); "" without one. */
  readonly holder: string;
  /** The last sequence number acknowledged (with the skipped records after it). */
  done: string | undefined;
  /** The last checkpoint written for it, and when. */
  written: string | undefined;
  writtenAt = Date.now();
  /** Changes handed to the feed and not yet acknowledged. */
  pending = 0;
  last: Entry<C> | undefined;
  /** The reader met the shard's end: once nothing is pending, the shard is finished. */
  readToEnd = false;
  /** Records made before this time (ms) are skipped: a LATEST start read again from the oldest. */
  notBefore: number | undefined;
  /** No longer read: the feed ended, or the lease went to another reader. */
  stopped = false;
  #room: (() => void) | undefined;
  /** Resolves once the reader has its first iterator (or gave up on the shard). */
  readonly positioned: Promise<void>;
  /** Why the reader could not get its first iterator: the feed fails with it. */
  unplaceable: { readonly error: unknown } | undefined;
  readonly #positioned: () => void;

  constructor(id: string, start: Position, holder: string) {
    this.id = id;
    this.start = start;
    this.holder = holder;
    let resolve = () => {};
    this.positioned = new Promise<void>((r) => {
      resolve = r;
    });
    this.#positioned = resolve;
  }

  /** The reader has its first iterator: changes from now on will reach the feed. */
  placed(failure?: { readonly error: unknown }): void {
    this.unplaceable ??= failure;
    this.#positioned();
  }

  /** A change (or a decoding error) read from the shard. */
  add(change: C | undefined, error: Error | undefined, sequence: string): Entry<C> {
    // A LATEST start has no place to resume at until something is acknowledged: the first record
    // read is that place, so that a change in hand when the reader ends comes again.
    if (this.done === undefined && this.start.type === "LATEST") this.done = `${AT}${sequence}`;
    const entry: Entry<C> = { run: this, change, error, through: sequence, acked: false };
    this.pending++;
    this.last = entry;
    return entry;
  }

  /** A record the feed does not deliver: acknowledged with the change before it, or at once. */
  skip(sequence: string): void {
    if (this.last !== undefined && !this.last.acked) this.last.through = sequence;
    else this.done = sequence;
  }

  ack(entry: Entry<C>): void {
    entry.acked = true;
    this.pending--;
    if (!this.stopped) this.done = entry.through;
    if (this.pending < HIGH_WATER) this.#wake();
  }

  /** Resolves once the loop has room for more of this shard's changes. */
  room(): Promise<void> {
    if (this.pending < HIGH_WATER || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#room = resolve;
    });
  }

  /** Read to its end and all acknowledged. */
  get finished(): boolean {
    return this.readToEnd && this.pending === 0;
  }

  stop(): void {
    this.stopped = true;
    this.#positioned();
    this.#wake();
  }

  #wake(): void {
    const wake = this.#room;
    this.#room = undefined;
    wake?.();
  }
}

/** The changes waiting for the loop, oldest first, across shards; a stopped shard's are passed over. */
export class Waiting<C> {
  #entries: Entry<C>[] = [];
  #head = 0;

  push(entry: Entry<C>): void {
    this.#entries.push(entry);
  }

  take(): Entry<C> | undefined {
    while (this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head++] as Entry<C>;
      // Taken entries are dropped in bulk, not one shift() at a time.
      if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
        this.#entries = this.#entries.slice(this.#head);
        this.#head = 0;
      }
      if (!entry.run.stopped) return entry;
    }
    return undefined;
  }
}
