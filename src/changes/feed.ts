import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { _Record } from "@aws-sdk/client-dynamodb-streams";
import type { Lease } from "../requests/leases.js";
import { SHARD_END } from "../requests/leases.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { balance, shuffled } from "./balance.js";
import { Leases } from "./leases.js";
import { type Settings, settings } from "./options.js";
import { decodeStreamRecord } from "./record.js";
import { readShard } from "./shard-reader.js";
import { type Entry, positionOf, ShardRun, Waiting } from "./shard-run.js";
import { listShards, type Position, type Shard, streamOf } from "./stream.js";
import type { ChangesOptions, Gap, StreamRecord } from "./types.js";

/**
 * The change feed `store.changes` returns: iterate it with `for await`. Asking for the next change
 * acknowledges the one before; `break` or `return` end it, acknowledging the last; the signal
 * ends it without acknowledging the change in hand.
 */
export interface ChangeFeed<C> extends AsyncIterableIterator<C, undefined, undefined> {
  /**
   * Starts the feed if the loop has not, and resolves once it reads every shard from its
   * position: with `from: "latest"`, a change made after this reaches the loop.
   */
  ready(): Promise<void>;
  /** Ends the feed: writes the group's checkpoints and gives its leases up. */
  return(): Promise<IteratorResult<C, undefined>>;
}

const TRIM_HORIZON: Position = { type: "TRIM_HORIZON" };
const LATEST: Position = { type: "LATEST" };

/**
 * Reads the table's stream: lists its shards, reads each (parents to their end before their
 * children) in parallel, and hands their changes to one loop; with a group, keeps leases and
 * checkpoints in the table so that several processes share the shards and a restart resumes.
 */
export class Feed<C> implements ChangeFeed<C> {
  readonly #core: StoreCore;
  readonly #atoms: readonly AtomDefinition[];
  readonly #settings: Settings;
  readonly #halt = new AbortController();
  #stream: { readonly arn: string; readonly label: string } | undefined;
  #leases: Leases | undefined;
  readonly #runs = new Map<string, ShardRun<C>>();
  /** Without a group: the shards read to their end. */
  readonly #finished = new Set<string>();
  /** Without a group: where the shards listed at the start begin. */
  #initial: Map<string, Position> | undefined;
  /** With a group: each lease's counter and holder, and since when this reader has seen them. */
  readonly #observed = new Map<
    string,
    { counter: number; holder: string | undefined; since: number }
  >();
  readonly #gaps = new Set<string>();
  /** With a group: when this reader last renewed its presence. */
  #presentAt = 0;
  readonly #waiting = new Waiting<C>();
  #yielded: Entry<C> | undefined;
  #wake: (() => void) | undefined;
  #error: { readonly error: unknown } | undefined;
  #state: "new" | "running" | "ending" | "ended" = "new";
  #ending: Promise<void> | undefined;
  #rounds: Promise<void> | undefined;
  #poke: (() => void) | undefined;
  #ticks: Promise<void> | undefined;
  /** SHARD_END writes under way: the feed ends only after them. */
  readonly #settling = new Set<Promise<void>>();
  /** A SHARD_END write that failed as the feed ended: the end reports it. */
  #lateError: { readonly error: unknown } | undefined;
  /**
   * With a group: when each shard was last dropped (finished or lost), counted in lease reads,
   * so that a round whose read of the leases is older does not take it up again.
   */
  readonly #dropped = new Map<string, number>();
  #reads = 0;
  /** With a group: whether it had no leases when this reader first read them. */
  #newGroup: boolean | undefined;
  readonly #ready = deferred();
  /** Only this item's records are decoded (a remote watch of one atom). */
  readonly #only: { readonly pk: string; readonly sk: string } | undefined;
  readonly #onAbort = () => {
    void this.#end().catch(() => {});
  };

  constructor(
    core: StoreCore,
    options: ChangesOptions<readonly AtomDefinition[]>,
    only?: { readonly pk: string; readonly sk: string },
  ) {
    this.#core = core;
    this.#only = only;
    this.#settings = settings(options);
    this.#atoms = options.atoms.map((atom) => core.registered(atom));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  ready(): Promise<void> {
    if (this.#state === "new") this.#begin();
    return this.#ready.promise;
  }

  async next(): Promise<IteratorResult<C, undefined>> {
    this.#acknowledge();
    if (this.#state === "new") this.#begin();
    for (;;) {
      if (this.#error !== undefined && this.#state === "running") {
        const { error } = this.#error;
        await this.#end();
        throw error;
      }
      if (this.#state !== "running") {
        await this.#ending;
        return { done: true, value: undefined };
      }
      const entry = this.#waiting.take();
      if (entry?.error !== undefined) {
        this.#error = { error: entry.error };
        continue;
      }
      if (entry !== undefined) {
        this.#yielded = entry;
        return { done: false, value: entry.change as C };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<C, undefined>> {
    this.#acknowledge();
    await this.#end();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<C, undefined>> {
    await this.return();
    throw error;
  }

  #acknowledge(): void {
    const entry = this.#yielded;
    if (entry === undefined) return;
    this.#yielded = undefined;
    // Ended by the signal (or a failure) while the change was in hand: it is not acknowledged.
    if (this.#state !== "running") return;
    entry.run.ack(entry);
    if (entry.run.finished) this.#settleLater(entry.run);
  }

  #settleLater(run: ShardRun<C>): void {
    const settling = this.#settle(run).catch((err: unknown) => {
      if (this.#state === "running") this.#fail(err);
      else this.#lateError ??= { error: err };
    });
    this.#settling.add(settling);
    void settling.finally(() => this.#settling.delete(settling));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(error: unknown): void {
    if (this.#error !== undefined || this.#state !== "running") return;
    this.#error = { error };
    this.#ready.reject(error);
    this.#notify();
  }

  #begin(): void {
    this.#state = "running";
    const { signal } = this.#settings;
    if (signal?.aborted) {
      void this.#end().catch(() => {});
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#rounds = this.#loopRounds().catch((err: unknown) => this.#fail(err));
  }

  /** The shard bookkeeping: a round now, then one every interval or when a shard finishes. */
  async #loopRounds(): Promise<void> {
    const { executor, retry } = this.#core;
    this.#stream = await streamOf(executor, retry);
    const { group } = this.#settings;
    if (group !== undefined) {
      this.#leases = new Leases(this.#core, group, this.#stream.label, randomUUID());
      // Seen by the others' next round, before it holds anything: it counts in their share.
      await this.#leases.renewPresence();
      this.#presentAt = Date.now();
      this.#ticks = this.#loopTicks().catch((err: unknown) => this.#fail(err));
    }
    let first = true;
    while (this.#state === "running") {
      await this.#round();
      if (first) {
        first = false;
        const runs = [...this.#runs.values()];
        await Promise.all(runs.map((run) => run.positioned));
        const failed = runs.find((run) => run.unplaceable !== undefined && !run.stopped);
        if (failed?.unplaceable !== undefined) throw failed.unplaceable.error;
        this.#ready.resolve();
      }
      // Checked here, where nothing awaits before the timer is set: #close pokes after it.
      if (this.#state !== "running") return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#settings.roundMs);
        this.#poke = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async #round(): Promise<void> {
    const stream = this.#stream as { arn: string; label: string };
    const shards = await listShards(this.#core.streams, this.#core.retry, stream.arn);
    if (this.#state !== "running") return;
    if (this.#leases === undefined) this.#alone(shards);
    else await this.#shared(shards, this.#leases);
  }

  /** Where a shard starts on the first start of a group (or of a feed without one). */
  #startOf(shard: Shard): Position | undefined {
    if (this.#settings.from === "trim-horizon") return TRIM_HORIZON;
    return shard.closed ? undefined : LATEST;
  }

  /** Without a group: every ready shard is this reader's. */
  #alone(shards: readonly Shard[]): void {
    const listed = new Set(shards.map((shard) => shard.id));
    if (this.#initial === undefined) {
      this.#initial = new Map();
      for (const shard of shards) {
        const start = this.#startOf(shard);
        if (start === undefined) this.#finished.add(shard.id);
        else this.#initial.set(shard.id, start);
      }
    }
    for (const shard of shards) {
      if (this.#finished.has(shard.id) || this.#runs.has(shard.id)) continue;
      const parent = shard.parent;
      const ready =
        parent === undefined ||
        this.#finished.has(parent) ||
        (!listed.has(parent) && !this.#runs.has(parent));
      if (ready) this.#run(shard.id, this.#initial.get(shard.id) ?? TRIM_HORIZON);
    }
  }

  /**
   * With a group: leases for new shards, then a fair share of the ready ones (ready shards ÷ live
   * readers): free leases and those of dead readers. A live reader's shards are never taken: a
   * change is handled by one reader while all live.
   */
  async #shared(shards: readonly Shard[], leases: Leases): Promise<void> {
    const readAt = ++this.#reads;
    let read = await leases.read();
    this.#newGroup ??= read.leases.length === 0;
    const first = this.#newGroup;
    const known = new Set(read.leases.map((lease) => lease.shard));
    let created = false;
    for (const shard of shards) {
      if (known.has(shard.id)) continue;
      const start = first ? this.#startOf(shard) : TRIM_HORIZON;
      await leases.create(shard.id, start === undefined ? SHARD_END : start.type);
      created = true;
    }
    if (created) read = await leases.read();
    if (this.#state !== "running") return;
    const now = Date.now();
    const byShard = new Map(read.leases.map((lease) => [lease.shard, lease]));
    for (const lease of read.leases) this.#observe(lease.shard, lease.counter, lease.holder, now);
    for (const presence of read.readers) {
      this.#observe(`reader:${presence.reader}`, presence.counter, presence.reader, now);
    }
    for (const run of this.#runs.values()) {
      if (byShard.get(run.id)?.holder !== run.holder) this.#lose(run);
    }
    const listed = new Set(shards.map((shard) => shard.id));
    const finished = (id: string) => byShard.get(id)?.checkpoint === SHARD_END;
    const ready = shards.filter((shard) => {
      if (finished(shard.id)) return false;
      const parent = shard.parent;
      if (parent === undefined || finished(parent)) return true;
      if (listed.has(parent)) return false;
      const lost = byShard.get(parent);
      if (lost !== undefined)
        this.#gap({ shard: parent, after: lost.checkpoint, reason: "shard-gone" });
      return true;
    });
    const silent = (id: string) =>
      now - (this.#observed.get(id)?.since ?? now) >= this.#settings.leaseMs;
    // This reader's own leases are never dead to it: a slow renewal is no death.
    const dead = (lease: Lease) => !leases.mine(lease.holder) && silent(lease.shard);
    const present = read.readers
      .filter((presence) => !silent(`reader:${presence.reader}`))
      .map((presence) => presence.reader);
    const readyLeases = ready.flatMap((shard) => byShard.get(shard.id) ?? []);
    const { share, mine, free } = balance(readyLeases, leases.reader, dead, present);
    for (const lease of mine) {
      // Ours, by a take whose answer was lost: read it; unless it was dropped since the read.
      const dropped = this.#dropped.get(lease.shard) ?? 0;
      const run = this.#runs.get(lease.shard);
      if (run === undefined && dropped < readAt) this.#runLease(lease, lease.holder);
    }
    let held = mine.length;
    for (const lease of shuffled(free)) {
      if (held >= share || this.#state !== "running") return;
      const token = leases.token();
      // A take whose answer was lost is refused when sent again: the lease then shows whose it is.
      const taken =
        (await leases.take(lease, token)) ||
        (await leases.read()).leases.some((l) => l.shard === lease.shard && l.holder === token);
      if (!taken) continue;
      held++;
      if (this.#state === "running") this.#runLease(lease, token);
      else await leases.hold(lease.shard, token, undefined, true);
    }
  }

  /** Notes a counter and holder, and since when this reader has seen them unchanged. */
  #observe(id: string, counter: number, holder: string | undefined, now: number): void {
    const seen = this.#observed.get(id);
    if (seen === undefined || seen.counter !== counter || seen.holder !== holder) {
      this.#observed.set(id, { counter, holder, since: now });
    }
  }

  #runLease(lease: Lease, holder: string | undefined): void {
    const start = positionOf(lease.checkpoint);
    if (start === undefined || holder === undefined) return;
    const run = this.#run(lease.shard, start, holder);
    run.written = lease.checkpoint;
  }

  #run(id: string, start: Position, holder = ""): ShardRun<C> {
    const run = new ShardRun<C>(id, start, holder);
    // Never two runs of one shard: one it replaces stops.
    this.#runs.get(id)?.stop();
    this.#runs.set(id, run);
    this.#read(run).catch((err: unknown) => {
      // A shard given up (lost, or the feed ended) fails nothing.
      if (!run.stopped) this.#fail(err);
    });
    return run;
  }

  /** Reads one shard until its end, its loss or the feed's end; a shard read to its end settles. */
  async #read(run: ShardRun<C>): Promise<void> {
    const { streams, retry } = this.#core;
    const end = await readShard(run, {
      streams,
      retry,
      arn: (this.#stream as { arn: string }).arn,
      halt: this.#halt.signal,
      receive: (record) => this.#receive(run, record),
      gap: (gap) => this.#gap(gap),
    });
    if (end !== "end" || run.stopped || this.#halt.signal.aborted) return;
    run.readToEnd = true;
    // Its failure reaches the loop, or the end (the run is stopped before the write).
    if (run.finished) this.#settleLater(run);
  }

  #receive(run: ShardRun<C>, record: _Record): void {
    const sequence = record.dynamodb?.SequenceNumber ?? "";
    if (run.notBefore !== undefined) {
      const at = record.dynamodb?.ApproximateCreationDateTime?.getTime();
      if (at !== undefined && at < run.notBefore) {
        run.skip(sequence);
        return;
      }
      run.notBefore = undefined;
    }
    const only = this.#only;
    const keys = record.dynamodb?.Keys;
    if (only !== undefined && (keys?.pk?.S !== only.pk || keys?.sk?.S !== only.sk)) {
      run.skip(sequence);
      return;
    }
    let change: C | undefined;
    let error: Error | undefined;
    try {
      change = decodeStreamRecord(record as StreamRecord, this.#atoms) as C | undefined;
    } catch (err) {
      const skip = this.#settings.onDecodeError?.(err as Error, record as StreamRecord);
      if (skip === "skip") {
        run.skip(sequence);
        return;
      }
      error = err as Error;
    }
    if (change === undefined && error === undefined) {
      run.skip(sequence);
      return;
    }
    this.#waiting.push(run.add(change, error, sequence));
    this.#notify();
  }

  /** A shard read to its end and acknowledged: recorded, so that its children may be read. */
  async #settle(run: ShardRun<C>): Promise<void> {
    if (!run.finished || run.stopped || this.#runs.get(run.id) !== run) return;
    this.#drop(run);
    if (this.#leases === undefined) this.#finished.add(run.id);
    // Refused: another reader holds the shard now, and reads it to its end itself.
    else await this.#leases.hold(run.id, run.holder, SHARD_END, true);
    this.#poke?.();
  }

  /** A shard whose lease another reader holds now: its waiting changes are that reader's. */
  #lose(run: ShardRun<C>): void {
    this.#drop(run);
  }

  #drop(run: ShardRun<C>): void {
    run.stop();
    // A later run of the same shard may be there already: it stays.
    if (this.#runs.get(run.id) !== run) return;
    this.#runs.delete(run.id);
    this.#dropped.set(run.id, this.#reads);
  }

  #gap(found: Gap): void {
    // A checkpoint that is no sequence number (LATEST, TRIM_HORIZON, at:…) names nothing read.
    const after = found.after !== undefined && /^\d+$/.test(found.after) ? found.after : undefined;
    const gap = { ...found, after };
    const id = `${gap.shard}@${after ?? ""}`;
    if (this.#gaps.has(id)) return;
    this.#gaps.add(id);
    this.#settings.onGap(gap);
  }

  /** With a group: renews each held lease, with its checkpoint when due. */
  async #loopTicks(): Promise<void> {
    const leases = this.#leases as Leases;
    const { checkpointEveryMs, leaseMs, tickMs } = this.#settings;
    while (this.#state === "running") {
      await sleep(tickMs, undefined, { signal: this.#halt.signal }).catch(() => {});
      if (this.#state !== "running") return;
      const now = Date.now();
      if (now - this.#presentAt >= leaseMs / 3) {
        this.#presentAt = now;
        await leases.renewPresence();
      }
      // In parallel: one slow renewal must not let the other leases lapse.
      const renewals = [...this.#runs.values()].map(async (run) => {
        const now = Date.now();
        const checkpoint = run.done !== run.written ? run.done : undefined;
        const due =
          (checkpoint !== undefined && now - run.writtenAt >= checkpointEveryMs) ||
          now - run.writtenAt >= leaseMs / 3;
        if (!due || run.stopped) return;
        const held = await leases.hold(run.id, run.holder, checkpoint);
        if (run.stopped) return; // dropped meanwhile: what the write says is of no use now
        if (held) {
          if (checkpoint !== undefined) run.written = checkpoint;
          run.writtenAt = now;
        } else {
          this.#lose(run);
        }
      });
      await Promise.all(renewals);
    }
  }

  /** Ends the feed once: stops the readers, writes the last checkpoints, gives the leases up. */
  #end(): Promise<void> {
    this.#ending ??= this.#close();
    return this.#ending;
  }

  async #close(): Promise<void> {
    const begun = this.#state !== "new";
    this.#state = "ending";
    this.#settings.signal?.removeEventListener("abort", this.#onAbort);
    this.#halt.abort();
    this.#poke?.();
    this.#notify();
    this.#ready.resolve();
    if (!begun) {
      this.#state = "ended";
      return;
    }
    await this.#rounds;
    await this.#ticks;
    await Promise.all(this.#settling);
    const runs = [...this.#runs.values()];
    for (const run of runs) run.stop();
    this.#runs.clear();
    try {
      const leases = this.#leases;
      if (leases === undefined) return;
      // Each lease is written and released even when another's write fails; the first failure
      // is the end's.
      const writes = await Promise.allSettled([
        ...runs.map((run) => {
          const checkpoint = run.finished ? SHARD_END : run.done;
          const changed = checkpoint !== run.written ? checkpoint : undefined;
          return leases.hold(run.id, run.holder, changed, true);
        }),
        leases.leave(),
      ]);
      for (const write of writes) {
        if (write.status === "rejected") this.#lateError ??= { error: write.reason };
      }
    } finally {
      this.#state = "ended";
      this.#notify();
    }
    if (this.#lateError !== undefined) throw this.#lateError.error;
  }
}

/** A promise settled from outside; its rejection is only seen by those who ask for it. */
function deferred(): { promise: Promise<void>; resolve(): void; reject(error: unknown): void } {
  let resolve = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
