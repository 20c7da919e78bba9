import { setTimeout as sleep } from "node:timers/promises";
import type { _Record, DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { Executor } from "../executor/executor.js";
import type { RetryPolicy } from "../executor/policy.js";
import type { ShardRun } from "./shard-run.js";
import { type Position, shardIterator, shardRecords } from "./stream.js";
import type { Gap } from "./types.js";

const TRIM_HORIZON: Position = { type: "TRIM_HORIZON" };
/** How long an idle shard's reader waits before it asks again, at most and at first. */
const IDLE_MAX_MS = 500;
const IDLE_FIRST_MS = 25;
/**
 * How far before a LATEST start a shard re-read from its oldest record begins to deliver: a
 * record's time is rounded down (to the second by DynamoDB, to the minute by DynamoDB Local),
 * and clocks differ a little.
 */
const CLOCK_MARGIN_MS = 61_000;

/** What reading a shard needs from its feed. */
export interface ShardReading {
  readonly streams: Executor<DynamoDBStreamsClient>;
  readonly retry: RetryPolicy;
  readonly arn: string;
  /** The feed's end: it cuts idle waits short and stops the reading. */
  readonly halt: AbortSignal;
  receive(record: _Record): void;
  gap(gap: Gap): void;
}

/**
 * Reads one shard from `run.start`, handing each record to `receive`, with the stream's faults
 * handled: an expired iterator is renewed where reading stood, trimmed data is reported and
 * read from the oldest record kept, an idle shard is polled with backoff.
 * @returns "end" once the shard is read to its end; "stopped" when the run or the feed stopped.
 */
export async function readShard<C>(
  run: ShardRun<C>,
  reading: ShardReading,
): Promise<"end" | "stopped"> {
  const { streams, retry, halt } = reading;
  let last: string | undefined;
  let iterator: string | undefined;
  const asked = Date.now();
  try {
    iterator = await iteratorAt(run, run.start, reading);
  } catch (error) {
    // Said before it is thrown: ready() must reject with it, not resolve first.
    run.placed({ error });
    throw error;
  }
  run.placed();
  let idle = 0;
  // The halt cuts idle sleeps short: a run the end has not stopped yet must not spin.
  while (iterator !== undefined && !run.stopped && !halt.aborted) {
    await run.room();
    if (run.stopped) return "stopped";
    const read = await shardRecords(streams, retry, iterator);
    if (run.stopped) return "stopped";
    if (typeof read === "string") {
      if (read === "gone") {
        reading.gap({ shard: run.id, after: last ?? run.written, reason: "shard-gone" });
        break;
      }
      // Nothing read since a LATEST start keeps no place to resume at: the shard is read from
      // its oldest record instead, skipping what was made before the start. DynamoDB Local
      // also answers "trimmed" there, to an iterator taken at LATEST on a shard empty then.
      const unplaced = run.start.type === "LATEST" && last === undefined;
      if (unplaced) run.notBefore = asked - CLOCK_MARGIN_MS;
      const resume: Position =
        last === undefined ? run.start : { type: "AFTER_SEQUENCE_NUMBER", sequence: last };
      iterator = await iteratorAt(
        run,
        read === "expired" && !unplaced ? resume : TRIM_HORIZON,
        reading,
      );
      if (read === "trimmed" && !unplaced) {
        reading.gap({ shard: run.id, after: last ?? run.written, reason: "trimmed" });
      }
      continue;
    }
    for (const record of read.records) {
      last = record.dynamodb?.SequenceNumber ?? last;
      reading.receive(record);
    }
    iterator = read.next;
    if (read.records.length > 0 || iterator === undefined) {
      idle = 0;
      continue;
    }
    idle = Math.min(IDLE_MAX_MS, idle === 0 ? IDLE_FIRST_MS : idle * 2);
    await sleep(idle, undefined, { signal: halt }).catch(() => {});
  }
  return run.stopped || halt.aborted ? "stopped" : "end";
}

/** An iterator at `position`; trimmed data starts over at the oldest record kept, reported. */
async function iteratorAt<C>(
  run: ShardRun<C>,
  position: Position,
  reading: ShardReading,
): Promise<string | undefined> {
  const { streams, retry, arn } = reading;
  const got = await shardIterator(streams, retry, arn, run.id, position);
  if (got === "trimmed" && position.type !== "TRIM_HORIZON") {
    const after = position.type === "AFTER_SEQUENCE_NUMBER" ? position.sequence : undefined;
    reading.gap({ shard: run.id, after, reason: "trimmed" });
    return iteratorAt(run, TRIM_HORIZON, reading);
  }
  if (got === "gone" || got === "expired" || got === "trimmed") {
    reading.gap({ shard: run.id, after: run.written, reason: "shard-gone" });
    return undefined;
  }
  return got;
}
