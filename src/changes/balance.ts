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
  /** Leases nobody holds, or whose holder is dead: to be taken first. */
  readonly free: readonly Lease[];
  /** The busiest other reader's leases, when it holds more than its share: one may be taken. */
  readonly surplus: readonly Lease[];
}

/**
 * The KCL's lease balancing, as a pure decision: the live readers are those holding a live lease,
 * and this one.
 */
export function balance(
  ready: readonly Lease[],
  reader: string,
  dead: (lease: Lease) => boolean,
): Balance {
  const byReader = new Map<string, Lease[]>([[reader, []]]);
  const free: Lease[] = [];
  for (const lease of ready) {
    if (lease.holder === undefined || dead(lease)) {
      free.push(lease);
      continue;
    }
    const holder = readerOf(lease.holder);
    byReader.set(holder, [...(byReader.get(holder) ?? []), lease]);
  }
  const share = Math.ceil(ready.length / byReader.size);
  let surplus: Lease[] = [];
  for (const [holder, leases] of byReader) {
    if (holder !== reader && leases.length > share && leases.length > surplus.length) {
      surplus = leases;
    }
  }
  return { share, mine: byReader.get(reader) ?? [], free, surplus };
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
