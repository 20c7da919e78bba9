import { combined } from "../atom/lane.js";
import type { Applied, Target } from "../atom/write.js";
import type { Seen } from "../protocol/state.js";
import { UpdateBuilder } from "./builder.js";
import { updateAlone, updateChange } from "./run.js";

/** How a handle takes part in its updates: what it knows, and what it learns. */
export interface UpdateHost {
  /** The state the handle last saw. */
  readonly seen?: () => Seen | undefined;
  /** Whether the handle's watches need the old value (then the update runs as a swap). */
  readonly watched?: () => boolean;
  /** Called with every update applied. */
  readonly after?: (applied: Applied) => void;
  /** Fails when the handle may no longer write. */
  readonly live?: () => void;
}

/**
 * An update builder on one atom, sent through the atom's lane like every other write of this
 * store to it: alone, as one UpdateItem; combined with other waiting changes, as part of a swap.
 */
export function updateOf<T, In>(
  target: Target,
  keyFields: Readonly<Record<string, unknown>>,
  host: UpdateHost = {},
): UpdateBuilder<T, In> {
  const subject = { atom: target.definition.name, key: target.keyText };
  return new UpdateBuilder<T, In>(
    target.definition,
    subject,
    { ops: new Map(), where: undefined, upsert: false, keyFields },
    async (spec) => {
      host.live?.();
      const change = updateChange(target, spec);
      const applied = await combined(
        target,
        host.seen?.(),
        host.watched?.()
          ? change
          : { ...change, alone: (start) => updateAlone(target, spec, start) },
      );
      // An update of an absent item starts from a marker of its own: the old value was none.
      host.after?.(typeof applied.old === "symbol" ? { ...applied, old: undefined } : applied);
      return applied.value as T;
    },
  );
}
