/** The atom type of the hot-atom rows, shared by bench/hot.bench.ts and its worker processes. */
import { defineAtom, type RetryOptions } from "dynatom";
import * as v from "valibot";

/** A counter: the value a hand-written loop keeps too (its fields, no more). */
export const HotCounter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

/**
 * The hand-written loop's backoff (full jitter, 2 ms base, 200 ms cap), so that the rows compare
 * the two implementations, not two policies (dynatom's default, 5 ms up to 1 s, waits longer
 * under contention); and no limit of 50 attempts: 64 callers on one item can need more, and the
 * hand-written loop never gives up either.
 */
export const CONTENDED_RETRY: RetryOptions = {
  baseDelayMs: 2,
  maxDelayMs: 200,
  maxAttempts: 10_000,
  deadlineMs: 300_000,
};
