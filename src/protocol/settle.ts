import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { writeIdsIn } from "../schema/bookkeeping.js";
import { provablyNotApplied, type Seen } from "./state.js";

/** What the item tells about one of our writes whose answer did not say. */
export type Verdict = "applied" | "not-applied" | "unknown";

/**
 * A conditional write was refused (its condition is false now). If an earlier send of the same
 * write may have applied, the item must prove which: it lists our write id (applied), or it
 * descends from our basis with another write in our slot (not applied); otherwise unknown.
 */
export function afterConflict(
  basis: Seen,
  writeId: string,
  uncertain: boolean,
  current: Seen,
): Verdict {
  if (current.writes.includes(writeId)) return "applied";
  if (!uncertain || provablyNotApplied(basis, current)) return "not-applied";
  return "unknown";
}

/**
 * A resend was refused outright (a 4xx other than a condition) after a send that may have
 * applied: the item read since tells. An item still at the basis proves only that the write has
 * not applied yet (an attempt cut by a timeout may still land): only another write in its slot
 * proves it never will.
 */
export function afterRefusal(basis: Seen, writeId: string, current: Seen): Verdict {
  if (current.writes.includes(writeId)) return "applied";
  if (current.version > basis.version && provablyNotApplied(basis, current)) return "not-applied";
  return "unknown";
}

/**
 * After a lost batch answer, one put read back (its key and write ids only): applied when the
 * item lists the put's write id (later atom writes keep it in their window). Otherwise it cannot
 * be told: the put may have applied and then been replaced by a blind write (which starts a new
 * window) or a delete, or pushed out of a full window; sent again, it would land a second time
 * over a write acknowledged since. A blind write has no basis to prove anything against.
 */
export function batchPutVerdict(
  ours: string,
  stored: Readonly<Record<string, AttributeValue>> | undefined,
): Verdict {
  return writeIdsIn(stored).includes(ours) ? "applied" : "unknown";
}

/**
 * After a lost batch answer, one delete read back: applied when the item is absent and the
 * request was answered (a 5xx); a present item may be one made again since the delete applied,
 * and a request that went out unanswered may still land, so then it cannot be told (and the
 * delete is not sent again).
 */
export function batchDeleteVerdict(stored: unknown, mayLandLater: boolean): Verdict {
  return stored === undefined && !mayLandLater ? "applied" : "unknown";
}
