import type { Lease } from "../requests/leases.js";

/** The reader a holder (`<reader>.<take>`) belongs to. */
export function readerOf(holder: string): string {
  const dot = holder.lastIndexOf(".");
  return dot < 0 ? holder : holder.slice(0, dot);
}

/** What one reader of a group should hold of the ready shards' leases, and where to find it. */
export interface Balance {
  /** Ready shards ÷ live readers (this one included), rounded up. */
  readonly share: number;
  /** The leases this reader holds. */
  readonly mine: readonly Lease[];
  /** Leases nobody holds, or whose holder is dead: the ones that may be taken. */
  readonly free: readonly Lease[];
}

/**
 * The fair share of one reader, as a pure decision. The live readers are this one, those whose
 * presence is live (`present`), and the holders of live leases.
 */
export function balance(
  ready: readonly Lease[],
  reader: string,
  dead: (lease: Lease) => boolean,
  present: readonly string[] = [],
): Balance {
  const live = new Set([reader, ...present]);
  const mine: Lease[] = [];
  const free: Lease[] = [];
  for (const lease of ready) {
    if (lease.holder === undefined || dead(lease)) free.push(lease);
    else if (readerOf(lease.holder) === reader) mine.push(lease);
    else live.add(readerOf(lease.holder));
  }
  return { share: Math.ceil(ready.length / live.size), mine, free };
}

/** A copy in random order: readers of one group starting together do not all reach for the same shard. */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
