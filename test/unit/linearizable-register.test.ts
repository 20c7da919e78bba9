import test from "ava";
import fc from "fast-check";
import {
  checkRegisterHistory,
  checkRegisters,
  type Outcome,
  type RegisterOp,
} from "../helpers/linearizable-register.js";
import { seeded } from "../helpers/random.js";

const read = (start: number, end: number, value: string | null): RegisterOp => ({
  kind: "read",
  start,
  end,
  value,
});
const write = (start: number, end: number, value: string, ok: Outcome = true): RegisterOp => ({
  kind: "write",
  start,
  end,
  value,
  ok,
});
const del = (start: number, end: number, ok: Outcome = true): RegisterOp => ({
  kind: "delete",
  start,
  end,
  ok,
});
const swap = (start: number, end: number, old: string | null, value: string): RegisterOp => ({
  kind: "swap",
  start,
  end,
  old,
  value,
});

const linearizable = (history: readonly RegisterOp[]) => checkRegisterHistory(history).linearizable;

/**
 * Tries every fate of the unknown operations and every real-time-respecting order of those
 * applied: the definition itself, for tiny histories only.
 */
function bruteForce(history: readonly RegisterOp[]): boolean {
  const ops = history.filter((op) => op.kind === "read" || op.kind === "swap" || op.ok !== false);
  const optional = ops.flatMap((op, i) =>
    op.kind !== "read" && op.kind !== "swap" && op.ok === "unknown" ? [i] : [],
  );
  for (let mask = 0; mask < 1 << optional.length; mask++) {
    const chosen = ops.filter((_, i) => {
      const bit = optional.indexOf(i);
      return bit < 0 || (mask & (1 << bit)) !== 0;
    });
    const used = chosen.map(() => false);
    const go = (value: string | null, left: number): boolean => {
      if (left === 0) return true;
      for (const [i, op] of chosen.entries()) {
        if (used[i]) continue;
        if (chosen.some((other, j) => j !== i && !used[j] && other.end < op.start)) continue;
        let next: string | null;
        if (op.kind === "read") {
          if (op.value !== value) continue;
          next = value;
        } else if (op.kind === "swap") {
          if (op.old !== value) continue;
          next = op.value;
        } else next = op.kind === "write" ? op.value : null;
        used[i] = true;
        const found = go(next, left - 1);
        used[i] = false;
        if (found) return true;
      }
      return false;
    };
    if (go(null, chosen.length)) return true;
  }
  return false;
}

test("sequential and overlapping histories pass", (t) => {
  t.true(linearizable([]));
  t.true(linearizable([read(0, 1, null)]));
  t.true(
    linearizable([
      write(0, 1, "a"),
      read(2, 3, "a"),
      del(4, 5),
      read(6, 7, null),
      write(8, 9, "b"),
      swap(10, 11, "b", "c"),
      read(12, 13, "c"),
    ]),
  );
  // Two writes at once may land in either order; reads during them may see either.
  t.true(linearizable([write(0, 10, "a"), write(0, 10, "b"), read(2, 3, "b"), read(11, 12, "a")]));
  t.true(linearizable([write(0, 10, "a"), write(0, 10, "b"), read(2, 3, "a"), read(11, 12, "b")]));
  // A read overlapping a delete may see the item or not.
  t.true(linearizable([write(0, 1, "a"), del(2, 8), read(3, 4, "a"), read(5, 6, null)]));
});

test("an acknowledged write overwritten by an older batch's resend after it completed fails", (t) => {
  // Batch A's put of "a" lands (a reader sees it), B's put of "b" is acknowledged and seen, and
  // then A, which lost its answer, sends "a" again blindly: "a" is seen after "b", twice applied.
  const lostUpdate = [
    write(0, 100, "a"),
    read(10, 15, "a"),
    write(20, 30, "b"),
    read(40, 50, "b"),
    read(110, 120, "a"),
  ];
  const verdict = checkRegisterHistory(lostUpdate);
  t.false(verdict.linearizable);
  t.log(verdict.reason);
  // Without the first read, A could have landed once, after B: linearizable.
  t.true(linearizable(lostUpdate.filter((_, i) => i !== 1)));
  // The same with A's outcome unknown: an unknown write applies at most once too.
  t.false(linearizable([{ ...write(0, 100, "a", "unknown") }, ...lostUpdate.slice(1)]));
  // A write that reported success before B started, yet shows up after B: lost update.
  t.false(linearizable([write(0, 10, "a"), write(20, 30, "b"), read(40, 50, "a")]));
  // A delete resent after the item was made again deletes an acknowledged write.
  t.false(
    linearizable([
      write(0, 1, "a"),
      del(2, 100),
      read(3, 4, null),
      write(10, 20, "b"),
      read(30, 40, "b"),
      read(110, 120, null),
    ]),
  );
  // ... while one delete landing after b was written is fine.
  t.true(
    linearizable([
      write(0, 1, "a"),
      del(2, 100),
      write(10, 20, "b"),
      read(30, 40, "b"),
      read(110, 120, null),
    ]),
  );
});

test("failed and unknown outcomes", (t) => {
  // A failed write must not be seen; a failed delete must not remove.
  t.false(linearizable([write(0, 1, "a", false), read(2, 3, "a")]));
  t.false(linearizable([write(0, 1, "a"), del(2, 3, false), read(4, 5, null)]));
  t.true(linearizable([write(0, 1, "a"), del(2, 3, false), read(4, 5, "a")]));
  // An unknown write may or may not have applied...
  t.true(linearizable([write(0, 1, "a", "unknown"), read(2, 3, "a")]));
  t.true(linearizable([write(0, 1, "a", "unknown"), read(2, 3, null)]));
  // ... but only inside its interval: not after a write that began once it had ended.
  t.false(linearizable([write(0, 1, "a", "unknown"), write(2, 3, "b"), read(4, 5, "a")]));
  // Unless it may still apply at any time.
  t.true(
    linearizable([
      write(0, Number.POSITIVE_INFINITY, "a", "unknown"),
      write(2, 3, "b"),
      read(4, 5, "a"),
    ]),
  );
  t.true(linearizable([write(0, 1, "a"), del(2, 3, "unknown"), read(4, 5, null)]));
  t.true(linearizable([write(0, 1, "a"), del(2, 3, "unknown"), read(4, 5, "a")]));
  t.false(
    linearizable([write(0, 1, "a"), del(2, 3, "unknown"), read(4, 5, null), read(6, 7, "a")]),
  );
});

test("a swap's old value is checked, and a swap applies once", (t) => {
  t.false(linearizable([write(0, 1, "a"), write(2, 3, "b"), swap(4, 5, "a", "c")]));
  t.true(linearizable([write(0, 1, "a"), write(2, 6, "b"), swap(4, 5, "a", "c"), read(7, 8, "b")]));
  t.false(
    linearizable([
      write(0, 1, "a"),
      write(2, 6, "b"),
      swap(4, 5, "a", "c"),
      read(7, 8, "c"),
      read(9, 10, "b"),
    ]),
  );
  t.false(linearizable([swap(0, 1, null, "a"), swap(2, 3, null, "b")]));
});

test("slack widens intervals; the initial value counts", (t) => {
  const history = [write(0, 1, "a"), write(1.5, 3, "b"), read(4, 5, "a")];
  t.false(checkRegisterHistory(history).linearizable);
  t.true(checkRegisterHistory(history, { slack: 1 }).linearizable);
  t.true(checkRegisterHistory([read(0, 1, "z")], { initial: "z" }).linearizable);
  t.false(checkRegisterHistory([read(0, 1, null)], { initial: "z" }).linearizable);
  t.false(checkRegisterHistory([write(0, 1, "a"), read(2, 3, "z")], { initial: "z" }).linearizable);
});

test("malformed histories are refused, not judged", (t) => {
  t.throws(() => checkRegisterHistory([write(0, 1, "a"), write(2, 3, "a")]), {
    instanceOf: RangeError,
  });
  t.throws(() => checkRegisterHistory([read(2, 1, null)]), { instanceOf: RangeError });
  t.throws(() => checkRegisterHistory([read(0, Number.POSITIVE_INFINITY, null)]), {
    instanceOf: RangeError,
  });
  t.throws(() => checkRegisterHistory([write(0, Number.NaN, "a")]), { instanceOf: RangeError });
});

test("checkRegisters names the key that fails", (t) => {
  const verdict = checkRegisters(
    new Map([
      ["k1", [write(0, 1, "a"), read(2, 3, "a")]],
      ["k2", [write(0, 1, "b"), write(2, 3, "c"), read(4, 5, "b")]],
    ]),
  );
  t.false(verdict.linearizable);
  t.is(verdict.key, "k2");
  t.regex(verdict.reason ?? "", /^key k2: /);
  t.true(checkRegisters(new Map([["k1", [read(0, 1, null)]]])).linearizable);
});

const values = ["a", "b", "c", "d", "e", "f", "g"];
const tinyHistory = fc
  .array(
    fc.record({
      kind: fc.constantFrom("read", "write", "delete", "swap"),
      start: fc.nat(10),
      length: fc.nat(5),
      value: fc.constantFrom<string | null>(null, "a", "b", "c", "d"),
      ok: fc.constantFrom<Outcome>(true, false, "unknown"),
    }),
    { maxLength: 6 },
  )
  .map((raw) =>
    raw.map(({ kind, start, length, value, ok }, i): RegisterOp => {
      const end = start + length;
      const fresh = values[i] ?? "z";
      if (kind === "read") return read(start, end, value);
      if (kind === "write") return write(start, end, fresh, ok);
      if (kind === "delete") return del(start, end, ok);
      return swap(start, end, value, fresh);
    }),
  );

test("agrees with brute force on tiny arbitrary histories", (t) => {
  const runs = 4000;
  let yes = 0;
  fc.assert(
    fc.property(tinyHistory, (history) => {
      const expected = bruteForce(history);
      if (expected) yes++;
      t.is(linearizable(history), expected);
    }),
    { numRuns: runs },
  );
  t.log(`${yes} of ${runs} linearizable`);
});

interface Step {
  process: number;
  gap: number;
  duration: number;
  at: number;
  kind: "read" | "write" | "delete" | "swap";
  outcome: Outcome;
  applied: boolean;
}

/**
 * Runs steps as a real execution would: each process does its operations one after another,
 * each takes effect at an instant inside its interval; reads and swaps record the true value.
 */
function simulate(steps: readonly Step[]): RegisterOp[] {
  const clock = new Map<number, number>();
  const timed = steps.map((step, index) => {
    const start = (clock.get(step.process) ?? 0) + step.gap;
    const end = start + step.duration;
    clock.set(step.process, end);
    return { step, index, start, end, point: start + step.at * step.duration };
  });
  let value: string | null = null;
  const observed = new Map<number, string | null>();
  for (const { step, index } of [...timed].sort((a, b) => a.point - b.point || a.index - b.index)) {
    observed.set(index, value);
    const applies =
      step.kind === "swap" || step.outcome === true || (step.outcome === "unknown" && step.applied);
    if (step.kind === "read" || !applies) continue;
    value = step.kind === "delete" ? null : `v${index}`;
  }
  return timed.map(({ step, index, start, end }): RegisterOp => {
    const seen = observed.get(index) ?? null;
    if (step.kind === "read") return read(start, end, seen);
    if (step.kind === "swap") return swap(start, end, seen, `v${index}`);
    if (step.kind === "delete") return del(start, end, step.outcome);
    return write(start, end, `v${index}`, step.outcome);
  });
}

const stepArb = (processes: number) =>
  fc.record({
    process: fc.nat(processes - 1),
    gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 4, noNaN: true })),
    duration: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 8, noNaN: true })),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    kind: fc.constantFrom<Step["kind"]>("read", "read", "write", "write", "delete", "swap"),
    outcome: fc.constantFrom<Outcome>(true, true, true, false, "unknown"),
    applied: fc.boolean(),
  });

/** Makes one read (or swap) see another value: one that was written, or absent. */
function mutate(history: readonly RegisterOp[], pick: number, other: number): RegisterOp[] {
  const seenable = [null, ...history.flatMap((op) => (op.kind === "write" ? [op.value] : []))];
  const target = seenable[other % seenable.length] ?? null;
  return history.map((op, i) => {
    if (i !== pick % history.length) return op;
    if (op.kind === "read") return { ...op, value: target };
    if (op.kind === "swap") return { ...op, old: target };
    return op;
  });
}

test("agrees with brute force on tiny simulated histories, mutated or not", (t) => {
  fc.assert(
    fc.property(
      fc.array(stepArb(3), { maxLength: 6 }),
      fc.nat(),
      fc.nat(),
      (steps, pick, other) => {
        const history = simulate(steps);
        t.true(bruteForce(history));
        t.true(linearizable(history));
        const mutated = mutate(history, pick, other);
        t.is(linearizable(mutated), bruteForce(mutated));
      },
    ),
    { numRuns: 2000 },
  );
});

test("simulated executions pass; a later read seeing an overwritten value fails", (t) => {
  fc.assert(
    fc.property(fc.array(stepArb(6), { maxLength: 150 }), (steps) => {
      const history = simulate(steps);
      const verdict = checkRegisterHistory(history);
      t.true(verdict.linearizable, verdict.reason);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(stepArb(6), { minLength: 2, maxLength: 150 }), fc.nat(), (steps, pick) => {
      const history = simulate(steps);
      // A write w that completed, a write x that began after it and applied, and a read that
      // began after x ended: that read can never see w again.
      const cases: { read: number; seen: string }[] = [];
      for (const w of history) {
        if (w.kind !== "write" || w.ok !== true) continue;
        for (const x of history) {
          if (x.kind !== "write" || x.ok !== true || x.start <= w.end) continue;
          history.forEach((r, i) => {
            if (r.kind === "read" && r.start > x.end) cases.push({ read: i, seen: w.value });
          });
        }
      }
      fc.pre(cases.length > 0);
      const chosen = cases[pick % cases.length];
      if (chosen === undefined) return;
      const stale = history.map((op, i) =>
        i === chosen.read ? { ...op, value: chosen.seen } : op,
      );
      t.false(linearizable(stale));
    }),
    { numRuns: 200 },
  );
});

test("a busy history of 600 operations is checked quickly (both verdicts)", (t) => {
  const random = seeded(12345);
  const steps: Step[] = Array.from({ length: 600 }, (_, i) => ({
    process: i % 4,
    gap: random() * 2,
    duration: 1 + random() * 15,
    at: random(),
    kind:
      (["read", "read", "write", "write", "delete", "swap"] as const)[Math.floor(random() * 6)] ??
      "read",
    outcome: random() < 0.1 ? "unknown" : random() >= 0.05,
    applied: random() < 0.5,
  }));
  const history = simulate(steps);
  let began = performance.now();
  t.true(checkRegisterHistory(history).linearizable);
  t.log(`linearizable in ${(performance.now() - began).toFixed(0)} ms`);
  // The last read sees the first value ever written again.
  const first = history.find((op) => op.kind === "write" && op.ok === true);
  const last = history.findLastIndex((op) => op.kind === "read" && op.value !== null);
  if (first?.kind !== "write" || last < 0) return t.fail("no write or read");
  const stale = history.map((op, i) => (i === last ? { ...op, value: first.value } : op));
  began = performance.now();
  const verdict = checkRegisterHistory(stale);
  t.false(verdict.linearizable);
  t.log(`refuted in ${(performance.now() - began).toFixed(0)} ms: ${verdict.reason}`);
});
