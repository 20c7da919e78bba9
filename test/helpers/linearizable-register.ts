/**
 * A linearizability checker for read/write registers, one per key: an item that batch puts,
 * atom resets and swaps write, batch deletes remove, and `deref` / `findItems` read.
 *
 * Every written value must be unique (e.g. `${worker}-${seq}`). That makes the check cheap and
 * sharp: a read of `v` names the one write it must follow, and once that write is placed and the
 * register has moved on, no later read can see `v` again, so a write applied twice (a blind
 * resend landing after a later write that someone saw) has no linearization.
 *
 * The search is Wing–Gong / Lowe (WGL): repeatedly linearize a "minimal" pending operation (no
 * pending operation of known outcome finished before it started), backtrack on a contradiction,
 * and remember failed states (the set of placed operations and the register's value) so no state
 * is explored twice. Sound and complete, with these reductions (each an exchange argument):
 *
 * 1. Failed writes and deletes apply nothing and are dropped up front: removing an interval
 *    removes no real-time edge between the others.
 * 2. A minimal read equal to the current value is placed at once, unless a pending unknown
 *    operation ended before it began (that one may have to apply first): it is minimal, so
 *    moving it to the front breaks no real-time edge, and a read changes nothing.
 * 3. An operation of unknown outcome is optional: it never blocks others, may be applied while
 *    it is minimal, and is skipped for good once an operation that started after it ended is
 *    placed (it can no longer go anywhere).
 * 4. A pending read of `v` is dead once the write of `v` is placed (or skipped) and the register
 *    holds something else: unique values never come back. The branch fails at once.
 *
 * Keys are independent (P-compositionality), so {@link checkRegisters} checks each alone.
 */

/** How an operation ended: done, definitely not done, or may have been done (at most once). */
export type Outcome = true | false | "unknown";

/** One operation on one key's register, with its real-time interval (epoch ms). */
export type RegisterOp =
  /** Observed the value, or `null` for an absent item. */
  | { kind: "read"; start: number; end: number; value: string | null; label?: string }
  | { kind: "write"; start: number; end: number; value: string; ok: Outcome; label?: string }
  | { kind: "delete"; start: number; end: number; ok: Outcome; label?: string }
  /**
   * An atomic read-modify-write that succeeded: it saw `old` and wrote `value`. (A swap whose
   * outcome is unknown is recorded as a write of unknown outcome; one that failed, as failed.)
   */
  | { kind: "swap"; start: number; end: number; old: string | null; value: string; label?: string };

/** The checker's answer; `reason` says where the search got stuck, for a failing test's log. */
export interface Verdict {
  linearizable: boolean;
  reason?: string;
}

/** Tuning for {@link checkRegisterHistory}. */
export interface RegisterCheckOptions {
  /** The value before the first operation; `null` (absent) unless given. */
  initial?: string | null;
  /**
   * Milliseconds of clock disagreement to tolerate: `a` precedes `b` only when
   * `a.end + slack < b.start`. 0 treats the recorded times as exact.
   */
  slack?: number;
  /** Failed search states to remember before giving up with an error (never a false verdict). */
  maxStates?: number;
}

const READ = 0;
const WRITE = 1;
const DELETE = 2;
const SWAP = 3;
/** The value id of an absent item. */
const ABSENT = 0;

/**
 * Whether some order of `history` that respects real time (an operation that ended before
 * another started comes first) replays on one register with every read, and every swap's old
 * value, seeing what it recorded. Operations that succeeded apply exactly once, failed ones
 * never, unknown ones once or not at all. An unknown operation may be given `end: Infinity`
 * when it could still apply at any later time. Throws on malformed input (a value written
 * twice, a bad interval) or when the search budget runs out, so `false` is always a real
 * violation.
 */
export function checkRegisterHistory(
  history: readonly RegisterOp[],
  options: RegisterCheckOptions = {},
): Verdict {
  const slack = options.slack ?? 0;
  const maxStates = options.maxStates ?? 1_000_000;
  const initial = options.initial ?? null;
  if (!(slack >= 0 && Number.isFinite(slack))) throw new RangeError(`bad slack ${slack}`);

  // Value ids: 0 is absent, the initial value (if any) is 1, then each written value in turn.
  const ids = new Map<string, number>();
  const names: (string | null)[] = [null];
  const idOf = (value: string | null): number => {
    if (value === null) return ABSENT;
    let id = ids.get(value);
    if (id === undefined) {
      id = names.length;
      ids.set(value, id);
      names.push(value);
    }
    return id;
  };
  const initialId = idOf(initial);
  const written = new Set<string>();
  history.forEach((op, index) => {
    if (!Number.isFinite(op.start) || Number.isNaN(op.end) || op.end < op.start) {
      throw new RangeError(`operation #${index} has a bad interval [${op.start}, ${op.end}]`);
    }
    const unknown = op.kind !== "read" && op.kind !== "swap" && op.ok === "unknown";
    if (op.end === Number.POSITIVE_INFINITY && !unknown) {
      throw new RangeError(`operation #${index}: only an unknown outcome may stay open`);
    }
    if (op.kind === "write" || op.kind === "swap") {
      if (written.has(op.value) || op.value === initial) {
        throw new RangeError(
          `operation #${index} writes "${op.value}" again: values must be unique`,
        );
      }
      written.add(op.value);
    }
  });

  const kept = history.flatMap((op, index) =>
    (op.kind === "write" || op.kind === "delete") && op.ok === false ? [] : [{ op, index }],
  );
  kept.sort((a, b) => a.op.start - b.op.start || a.op.end - b.op.end || a.index - b.index);
  const n = kept.length;
  const kind = new Uint8Array(n);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  /** 1 for operations that must be placed (reads, and writes known to have applied). */
  const must = new Uint8Array(n);
  /** The value read, or written (absent for a delete). */
  const val = new Int32Array(n);
  /** A swap's observed old value. */
  const old = new Int32Array(n);
  const original = new Int32Array(n);
  kept.forEach(({ op, index }, i) => {
    start[i] = op.start;
    end[i] = op.end + slack;
    original[i] = index;
    switch (op.kind) {
      case "read":
        kind[i] = READ;
        must[i] = 1;
        val[i] = idOf(op.value);
        break;
      case "write":
        kind[i] = WRITE;
        must[i] = op.ok === true ? 1 : 0;
        val[i] = idOf(op.value);
        break;
      case "delete":
        kind[i] = DELETE;
        must[i] = op.ok === true ? 1 : 0;
        val[i] = ABSENT;
        break;
      case "swap":
        kind[i] = SWAP;
        must[i] = 1;
        val[i] = idOf(op.value);
        old[i] = idOf(op.old);
        break;
    }
  });
  const at = (array: Float64Array, i: number): number => array[i] ?? Number.NaN;
  const int = (array: Int32Array | Uint8Array, i: number): number => array[i] ?? -1;

  // The operation that writes each value (-1: the initial value, -2: none that may apply).
  const writer = new Int32Array(names.length).fill(-2);
  writer[initialId] = -1;
  for (let i = 0; i < n; i++) if (kind[i] === WRITE || kind[i] === SWAP) writer[int(val, i)] = i;
  // Times in reports count from the first start.
  const origin = n > 0 ? at(start, 0) : 0;
  const describe = (i: number): string => {
    const op = history[int(original, i)] as RegisterOp;
    const what =
      op.kind === "read"
        ? `read ${show(op.value)}`
        : op.kind === "write"
          ? `write ${show(op.value)}${op.ok === "unknown" ? " (unknown)" : ""}`
          : op.kind === "delete"
            ? `delete${op.ok === "unknown" ? " (unknown)" : ""}`
            : `swap ${show(op.old)} → ${show(op.value)}`;
    const [from, to] = [op.start - origin, op.end - origin];
    return `#${original[i]} ${what} [${from.toFixed(1)}, ${to.toFixed(1)}]${
      op.label === undefined ? "" : ` (${op.label})`
    }`;
  };
  // An observation of a value that nothing which may have applied wrote cannot be placed.
  for (let i = 0; i < n; i++) {
    const seen = kind[i] === READ ? int(val, i) : kind[i] === SWAP ? int(old, i) : ABSENT;
    if (seen !== ABSENT && writer[seen] === -2) {
      return {
        linearizable: false,
        reason: `${describe(i)} saw a value that no operation which may have applied wrote`,
      };
    }
  }

  let mustTotal = 0;
  for (let i = 0; i < n; i++) mustTotal += int(must, i);
  // The earliest end of an operation that must be placed, among operations i.. in start order.
  const suffixMinEnd = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = n - 1; i >= 0; i--) {
    const own = must[i] === 1 ? at(end, i) : Number.POSITIVE_INFINITY;
    suffixMinEnd[i] = Math.min(own, at(suffixMinEnd, i + 1));
  }

  // Search state. Below lo every operation is placed or skipped; from hi on none is.
  const done = new Uint8Array(n);
  let lo = 0;
  let hi = 0;
  let value = initialId;
  let mustDone = 0;
  /** Placed operations, in order, for the report (skips are not listed). */
  const placed: number[] = [];
  /** Undo log: per move, the state before it and the operations it marked done. */
  const trail: { value: number; lo: number; hi: number; marked: number[] }[] = [];
  const failed = new Set<string>();
  let best = { mustDone: -1, value, placed: [] as number[], stuck: [] as number[] };

  /** Places operation i now, and skips the unknown ones that can no longer apply. */
  const place = (i: number): void => {
    const marked = [i];
    trail.push({ value, lo, hi, marked });
    done[i] = 1;
    mustDone += int(must, i);
    if (kind[i] !== READ) value = int(val, i);
    placed.push(i);
    const s = at(start, i);
    for (let j = lo; j < n && at(start, j) < s; j++) {
      if (done[j] === 0 && must[j] === 0 && at(end, j) < s) {
        done[j] = 1;
        marked.push(j);
      }
    }
    if (i >= hi) hi = i + 1;
    while (lo < n && done[lo] === 1) lo++;
    if (hi < lo) hi = lo;
  };

  const undo = (): void => {
    const frame = trail.pop();
    if (frame === undefined) return;
    for (const j of frame.marked) done[j] = 0;
    mustDone -= int(must, frame.marked[0] ?? 0);
    placed.pop();
    ({ value, lo, hi } = frame);
  };

  const minPendingEnd = (): number => {
    let m = at(suffixMinEnd, hi);
    for (let i = lo; i < hi; i++)
      if (done[i] === 0 && must[i] === 1 && at(end, i) < m) m = at(end, i);
    return m;
  };

  /** A pending observation of `seen` can never be satisfied: its unique value is gone for good. */
  const dead = (seen: number): boolean => {
    if (seen === ABSENT || seen === value) return false;
    const w = int(writer, seen);
    return w === -1 || done[w] === 1;
  };

  const stateKey = (): string => {
    let key = `${value}:${lo}:`;
    for (let i = lo; i < hi; i++) key += done[i] === 1 ? "x" : ".";
    return key;
  };

  const search = (): boolean => {
    const mark = trail.length;
    for (;;) {
      if (mustDone === mustTotal) return true;
      const limit = minPendingEnd();
      let greedy = -1;
      let impossible = false;
      const moves: number[] = [];
      const minimal: number[] = [];
      // The earliest end of a pending unknown operation seen so far in start order.
      let unknownEnd = Number.POSITIVE_INFINITY;
      for (let i = lo; i < n && at(start, i) <= limit; i++) {
        if (done[i] === 1) continue;
        minimal.push(i);
        const k = kind[i];
        if (k === READ) {
          if (val[i] === value) {
            // Placing it first would skip an unknown write that ended before it began, which
            // may instead have to apply before it: then it is one move among others.
            if (unknownEnd >= at(start, i)) {
              greedy = i;
              break;
            }
            moves.push(i);
          } else if (dead(int(val, i))) impossible = true;
        } else if (k === SWAP) {
          if (old[i] === value) moves.push(i);
          else if (dead(int(old, i))) impossible = true;
        } else moves.push(i);
        if (must[i] === 0) unknownEnd = Math.min(unknownEnd, at(end, i));
      }
      if (greedy >= 0) {
        place(greedy);
        continue;
      }
      if (mustDone > best.mustDone) best = { mustDone, value, placed: [...placed], stuck: minimal };
      if (impossible) break;
      const key = stateKey();
      if (failed.has(key)) break;
      for (const i of moves) {
        place(i);
        if (search()) return true;
        undo();
      }
      failed.add(key);
      if (failed.size > maxStates) {
        throw new Error(`register linearizability search gave up after ${maxStates} states`);
      }
      break;
    }
    while (trail.length > mark) undo();
    return false;
  };

  if (search()) return { linearizable: true };
  const recent = best.placed.slice(-6).map(describe);
  const stuck = best.stuck.slice(0, 8).map(describe);
  return {
    linearizable: false,
    reason:
      `no linearization: at most ${best.mustDone} of ${mustTotal} operations of known outcome ` +
      `could be ordered; the last placed were [${recent.join("; ")}], leaving ` +
      `${show(names[best.value] ?? null)}, and none of [${stuck.join("; ")}] fits next`,
  };
}

/** Checks each key's history on its own; the first violation found, naming its key. */
export function checkRegisters(
  histories: ReadonlyMap<string, readonly RegisterOp[]>,
  options: RegisterCheckOptions = {},
): Verdict & { key?: string } {
  for (const [key, history] of histories) {
    const verdict = checkRegisterHistory(history, options);
    if (!verdict.linearizable) return { ...verdict, key, reason: `key ${key}: ${verdict.reason}` };
  }
  return { linearizable: true };
}

function show(value: string | null): string {
  return value === null ? "absent" : JSON.stringify(value);
}
