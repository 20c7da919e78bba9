import type { RetryPolicy } from "../executor/policy.js";
import type { Seen } from "../protocol/state.js";
import { tableKeyId } from "../schema/keys.js";
import type { StoreCore } from "../store/core.js";
import { type Applied, applyAll, type Change, type Outcome, type Target } from "./write.js";

/**
 * The most changes one combined write carries. Only the last value is written, so the item's
 * size does not grow with it; the bound keeps one write's work (and the time its callers wait
 * for each other's functions) small.
 */
export const MAX_COMBINED = 128;

interface Queued {
  readonly target: Target;
  readonly start: Seen | undefined;
  readonly change: Change;
  resolve(applied: Applied): void;
  reject(error: unknown): void;
}

function samePolicy(a: RetryPolicy, b: RetryPolicy): boolean {
  return (
    a.maxAttempts === b.maxAttempts &&
    a.baseDelayMs === b.baseDelayMs &&
    a.maxDelayMs === b.maxDelayMs &&
    a.deadlineMs === b.deadlineMs
  );
}

/** The newer of two states a handle or a write saw (by version; undefined knows nothing). */
function newer(a: Seen | undefined, b: Seen | undefined): Seen | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.version > a.version ? b : a;
}

/**
 * The changes waiting for one atom of one store. While a write to it is in flight, changes from
 * any handle on that key queue here; when it ends, they go out together as ONE conditional
 * write, in arrival order (see `applyAll`).
 */
class Lane {
  readonly #queue: Queued[] = [];
  #running = false;

  constructor(readonly onIdle: () => void) {}

  submit(queued: Queued): void {
    this.#queue.push(queued);
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    // What the last combined write left: fresher than any handle's own state.
    let seen: Seen | undefined;
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Queued;
      // Only changes under the same retry policy share a write: the write's policy is then
      // every caller's own (a handle allowing one attempt must not fail another's swap).
      // A change that must be written alone goes out in a write of its own.
      let size = 1;
      while (
        !head.change.solo &&
        size < Math.min(this.#queue.length, MAX_COMBINED) &&
        !(this.#queue[size] as Queued).change.solo &&
        samePolicy((this.#queue[size] as Queued).target.retry, head.target.retry)
      ) {
        size++;
      }
      const batch = this.#queue.splice(0, size);
      const start = batch.reduce((state, queued) => newer(state, queued.start), seen);
      let results: Outcome[];
      try {
        const alone = batch.length === 1 ? head.change.alone : undefined;
        results =
          alone === undefined
            ? await applyAll(
                head.target,
                start,
                batch.map((queued) => queued.change),
              )
            : [{ ok: true, applied: await alone(start) }];
      } catch (error) {
        seen = undefined;
        for (const queued of batch) queued.reject(error);
        continue;
      }
      batch.forEach((queued, i) => {
        const result = results[i];
        if (result === undefined) queued.reject(new Error("a combined write lost a change"));
        else if (result.ok) {
          seen = newer(seen, result.applied.seen);
          queued.resolve(result.applied);
        } else queued.reject(result.error);
      });
    }
    this.#running = false;
    this.onIdle();
  }
}

const lanes = new WeakMap<StoreCore, Map<string, Lane>>();

/**
 * Applies one change to an atom exactly once, combined with the changes other handles of the
 * same store make to the same atom meanwhile. Resolves to this change's own outcome.
 *
 * @example const applied = await combined(target, seen, { decide: (n) => ({ write: n + 1 }), initial: 0 });
 */
export function combined(
  target: Target,
  start: Seen | undefined,
  change: Change,
): Promise<Applied> {
  let byKey = lanes.get(target.core);
  if (byKey === undefined) {
    byKey = new Map();
    lanes.set(target.core, byKey);
  }
  const id = tableKeyId(target.key);
  let lane = byKey.get(id);
  if (lane === undefined) {
    const map = byKey;
    // An idle lane is dropped: a store touching many keys keeps no state for them.
    lane = new Lane(() => map.delete(id));
    byKey.set(id, lane);
  }
  const chosen = lane;
  return new Promise<Applied>((resolve, reject) =>
    chosen.submit({ target, start, change, resolve, reject }),
  );
}
