/**
 * A linearizability checker for one counter register, plus a clock for recording histories.
 *
 * The search is Wing–Gong / Lowe (WGL): repeatedly pick a "minimal" pending operation (no pending
 * operation finished before it started), apply it, backtrack on a contradiction, and remember
 * failed states (linearized set + counter value) so no state is explored twice. Plain WGL
 * branches on every interleaving of concurrent adds, which is hopeless for a busy counter. The
 * reductions below keep the search sound and complete; each is an exchange argument (from any
 * solution of the current state, another solution starts with the reduced move):
 *
 * 1. Failed adds apply nothing and are dropped up front: removing an interval removes no
 *    real-time edge between the others (interval orders are transitive without it).
 * 2. A minimal read whose value equals the current value is linearized at once: it is minimal,
 *    so moving it to the front breaks no real-time edge, and reads change no value.
 * 3. An unknown add is decided when it becomes minimal: skipped right there (a no-op can move to
 *    the earliest point its predecessors allow) or committed to apply, after which it is treated
 *    like a successful add.
 * 4. A minimal add that must apply and ended before every pending read started is applied at
 *    once: those reads follow it anyway, and adds commute.
 * 5. Otherwise the search branches over which add the earliest pending read still waits for, but
 *    per delta only on the one that ends first (see applyMoves).
 *
 * Bounds on the counter prune the rest: the final value, and each minimal read, must lie between
 * what the pending adds can at least and at most contribute. Checking linearizability is
 * NP-complete in general; here branching is limited to unknown outcomes and to distinct deltas
 * among adds concurrent with one read. In practice: 1,600 operations from 8 processes check in
 * tens of milliseconds, and refuting a violation near the end takes well under a second.
 */

/** One operation on the counter with the real-time interval (epoch ms) in which it happened. */
export type Op =
  | { kind: "read"; start: number; end: number; value: number }
  | { kind: "add"; start: number; end: number; delta: number; ok: true }
  | { kind: "add"; start: number; end: number; delta: number; ok: false }
  | { kind: "add"; start: number; end: number; delta: number; ok: "unknown" };

/** The checker's answer; `reason` says where the search got stuck, for a failing test's log. */
export interface Verdict {
  linearizable: boolean;
  reason?: string;
}

/** Tuning for {@link checkCounterHistory}. */
export interface CheckOptions {
  /**
   * Milliseconds of clock disagreement to tolerate: `a` precedes `b` only when
   * `a.end + slack < b.start`. Needed when operations were timed in different processes whose
   * clocks are not exactly aligned; 0 treats the recorded times as exact.
   */
  slack?: number;
  /** Failed search states to remember before giving up with an error (never a false verdict). */
  maxStates?: number;
}

/**
 * Whether some order of `history` that respects real time (an operation that ended before
 * another started comes first) replays from `initial` to `final` with every read seeing its
 * recorded value. Adds that reported success apply exactly once, failed ones never, unknown ones
 * once or not at all. Throws on malformed input or when the search budget runs out, so a
 * `false` verdict is always a real violation.
 */
export function checkCounterHistory(
  history: readonly Op[],
  initial: number,
  final: number,
  options: CheckOptions = {},
): Verdict {
  const slack = options.slack ?? 0;
  const maxStates = options.maxStates ?? 2_000_000;
  if (!(slack >= 0 && Number.isFinite(slack))) throw new RangeError(`bad slack ${slack}`);
  requireInteger("initial", initial);
  requireInteger("final", final);

  const kept: { op: Op; index: number }[] = [];
  history.forEach((op, index) => {
    if (!Number.isFinite(op.start) || Number.isNaN(op.end) || op.end < op.start) {
      throw new RangeError(`operation #${index} has a bad interval [${op.start}, ${op.end}]`);
    }
    requireInteger(`operation #${index}`, op.kind === "read" ? op.value : op.delta);
    if (op.kind === "add" && op.ok === false) return;
    kept.push({ op, index });
  });
  kept.sort((a, b) => a.op.start - b.op.start || a.op.end - b.op.end || a.index - b.index);

  const n = kept.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const amount = new Float64Array(n);
  const isRead = new Uint8Array(n);
  // 1 for adds that are applied in every solution still searched: successful ones, and unknown
  // ones once the search has committed to applying them.
  const must = new Uint8Array(n);
  const original = new Int32Array(n);
  let pendingMust = 0;
  let unknownLow = 0;
  let unknownHigh = 0;
  kept.forEach(({ op, index }, i) => {
    start[i] = op.start;
    end[i] = op.end + slack;
    original[i] = index;
    if (op.kind === "read") {
      isRead[i] = 1;
      amount[i] = op.value;
    } else {
      amount[i] = op.delta;
      if (op.ok === true) {
        must[i] = 1;
        pendingMust += op.delta;
      } else {
        unknownLow += Math.min(0, op.delta);
        unknownHigh += Math.max(0, op.delta);
      }
    }
  });
  const at = (array: Float64Array, i: number): number => array[i] ?? Number.NaN;

  // Earliest end among operations i.. in start order, and the next read from i: together with
  // the window [lo, hi) below they give the minimal pending operations without a full scan.
  const suffixMinEnd = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const nextRead = new Int32Array(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    suffixMinEnd[i] = Math.min(at(end, i), at(suffixMinEnd, i + 1));
    nextRead[i] = isRead[i] === 1 ? i : (nextRead[i + 1] ?? n);
  }

  // Search state. Below lo everything is linearized; from hi on nothing is linearized or
  // committed, so the state is the value plus what happened inside [lo, hi).
  const done = new Uint8Array(n);
  let lo = 0;
  let hi = 0;
  let count = 0;
  let value = initial;
  const trail: number[] = [];
  const failed = new Set<string>();
  let best = { count: -1, value, read: -1 };

  const APPLY = 0;
  const SKIP = 1;
  const COMMIT = 2;
  const act = (i: number, action: number): void => {
    trail.push(lo, hi, i, action);
    count += action === COMMIT ? 0 : 1;
    bookkeep(i, action, 1);
    if (action !== COMMIT) while (lo < n && done[lo] === 1) lo++;
    if (i >= hi) hi = i + 1;
    if (hi < lo) hi = lo;
  };

  const undo = (): void => {
    const action = trail.pop() ?? APPLY;
    const i = trail.pop() ?? 0;
    hi = trail.pop() ?? 0;
    lo = trail.pop() ?? 0;
    count -= action === COMMIT ? 0 : 1;
    bookkeep(i, action, -1);
  };

  // Does (sign 1) or undoes (sign -1) an action's effect on the flags, value and pending sums.
  const bookkeep = (i: number, action: number, sign: 1 | -1): void => {
    const delta = at(amount, i);
    if (action === COMMIT) {
      must[i] = sign === 1 ? 1 : 0;
      pendingMust += sign * delta;
      unknownLow -= sign * Math.min(0, delta);
      unknownHigh -= sign * Math.max(0, delta);
      return;
    }
    done[i] = sign === 1 ? 1 : 0;
    if (action === APPLY) value += sign * delta;
    if (isRead[i] === 1) return;
    if (must[i] === 1) pendingMust -= sign * delta;
    else {
      unknownLow -= sign * Math.min(0, delta);
      unknownHigh -= sign * Math.max(0, delta);
    }
  };

  const minPendingEnd = (): number => {
    let m = at(suffixMinEnd, hi);
    for (let i = lo; i < hi; i++) if (done[i] === 0 && at(end, i) < m) m = at(end, i);
    return m;
  };

  const firstPendingRead = (): number => {
    for (let i = lo; i < hi; i++) if (done[i] === 0 && isRead[i] === 1) return i;
    return nextRead[hi] ?? n;
  };

  // The values read r could still see: pending adds that must precede it and must apply count
  // in full, the others that may precede it only where that widens the bounds.
  const readRange = (r: number): [number, number] => {
    let low = value;
    let high = value;
    const rStart = at(start, r);
    const rEnd = at(end, r);
    for (let i = lo; i < n && at(start, i) <= rEnd; i++) {
      if (done[i] === 1 || isRead[i] === 1) continue;
      const delta = at(amount, i);
      if (must[i] === 1 && at(end, i) < rStart) {
        low += delta;
        high += delta;
      } else {
        low += Math.min(0, delta);
        high += Math.max(0, delta);
      }
    }
    return [low, high];
  };

  const finalReachable = (): boolean => {
    const rest = final - value;
    return rest >= pendingMust + unknownLow && rest <= pendingMust + unknownHigh;
  };

  if (!finalReachable()) {
    return fail(
      `final value ${final} is not initial ${initial} plus the successful adds (${pendingMust}) ` +
        `plus some of the unknown ones (between ${unknownLow} and ${unknownHigh})`,
    );
  }
  for (let r = 0; r < n; r++) {
    if (isRead[r] === 0) continue;
    const [low, high] = readRange(r);
    if (at(amount, r) < low || at(amount, r) > high) {
      return fail(
        `read #${original[r]} observed ${at(amount, r)}, but every order consistent with real ` +
          `time gives it a value in [${low}, ${high}]`,
      );
    }
  }

  const search = (): boolean => {
    const mark = trail.length;
    for (;;) {
      if (count === n) {
        if (value === final) return true;
        break;
      }
      const limit = minPendingEnd();
      const read = firstPendingRead();
      const readStart = read < n ? at(start, read) : Number.POSITIVE_INFINITY;
      let matched = -1;
      let undecided = -1;
      let eager = -1;
      let impossible = false;
      const candidates: number[] = [];
      for (let i = lo; i < n && at(start, i) <= limit; i++) {
        if (done[i] === 1) continue;
        if (isRead[i] === 1) {
          if (at(amount, i) === value) {
            matched = i;
            break;
          }
          const [low, high] = readRange(i);
          if (at(amount, i) < low || at(amount, i) > high) impossible = true;
        } else if (must[i] === 0) {
          if (undecided < 0) undecided = i;
        } else if (at(end, i) < readStart) {
          if (eager < 0) eager = i;
        } else candidates.push(i);
      }
      if (matched >= 0) {
        act(matched, SKIP);
        continue;
      }
      if (count > best.count) best = { count, value, read };
      if (impossible || !finalReachable()) break;
      if (undecided < 0 && eager >= 0) {
        act(eager, APPLY);
        continue;
      }

      const key = stateKey();
      if (failed.has(key)) break;
      const moves: [number, number][] =
        undecided >= 0
          ? [
              [undecided, COMMIT],
              [undecided, SKIP],
            ]
          : applyMoves(candidates);
      for (const [i, action] of moves) {
        act(i, action);
        if (search()) return true;
        undo();
      }
      failed.add(key);
      if (failed.size > maxStates) {
        throw new Error(`linearizability search gave up after ${maxStates} states`);
      }
      break;
    }
    while (trail.length > mark) undo();
    return false;
  };

  // Applying add a now, rather than a concurrent add b with the same delta that ends no later,
  // loses nothing: both apply in any solution still searched, and if one applies b now and a
  // later, swapping them keeps every value and every real-time edge (whatever must follow b also
  // follows a). So per delta only the add that ends first is tried.
  function applyMoves(adds: number[]): [number, number][] {
    const moves: [number, number][] = [];
    const deltas = new Set<number>();
    for (const i of adds.sort((a, b) => at(end, a) - at(end, b))) {
      if (deltas.has(at(amount, i))) continue;
      deltas.add(at(amount, i));
      moves.push([i, APPLY]);
    }
    return moves;
  }

  function stateKey(): string {
    let key = `${value}:${lo}:`;
    for (let i = lo; i < hi; i++) key += done[i] === 1 ? "x" : must[i] === 1 ? "m" : ".";
    return key;
  }

  function fail(reason: string): Verdict {
    return { linearizable: false, reason };
  }

  if (search()) return { linearizable: true };
  const stuck =
    best.read >= 0 && best.read < n
      ? `read #${original[best.read]} (observed ${at(amount, best.read)}) could not be placed`
      : `the final value ${final} could not be reached`;
  return fail(
    `no linearization: at most ${best.count} of ${n} operations could be ordered; ` +
      `the counter was then ${best.value} and ${stuck}`,
  );
}

function requireInteger(what: string, x: number): void {
  // Adds commute only when sums are exact, so the reductions above need safe integers.
  if (!Number.isSafeInteger(x)) throw new RangeError(`${what}: ${x} is not a safe integer`);
}

/**
 * Epoch milliseconds with sub-millisecond resolution. Each process has its own
 * `performance.timeOrigin`, but origin + `now()` lands on the shared wall clock, so intervals
 * recorded by several processes on one host can be compared (pass a small `slack` to the
 * checker for the residual disagreement).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The interval an operation took, and how it ended. */
export type Timed<T> =
  | { start: number; end: number; ok: true; result: T }
  | { start: number; end: number; ok: false; error: unknown };

/**
 * Runs `fn` and records when it was called and when it settled. The interval contains the
 * operation's real effect, which is all the checker needs; it never throws.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const start = now();
  try {
    const result = await fn();
    return { start, end: now(), ok: true, result };
  } catch (error) {
    return { start, end: now(), ok: false, error };
  }
}
