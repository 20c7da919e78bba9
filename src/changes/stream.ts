import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import { DynatomError, isDynatomError } from "../errors/index.js";
import type { Executor } from "../executor/executor.js";
import type { RetryPolicy } from "../executor/policy.js";

/** A shard of the table's stream, as DescribeStream lists it. */
export interface Shard {
  readonly id: string;
  /** The shard it was split from; read to its end before this one. */
  readonly parent: string | undefined;
  /** No record will be added to it: read to its end, it is finished. */
  readonly closed: boolean;
}

/** Where a shard's reading starts: a checkpoint's position. */
export type Position =
  | { readonly type: "TRIM_HORIZON" | "LATEST" }
  | { readonly type: "AFTER_SEQUENCE_NUMBER" | "AT_SEQUENCE_NUMBER"; readonly sequence: string };

/** The table's stream: its ARN and label. Off, or without both images, fails with `store.stream-off`. */
export async function streamOf(
  executor: Executor,
  policy: RetryPolicy,
): Promise<{ readonly arn: string; readonly label: string }> {
  const { table } = executor;
  const { Table: description } = await executor.read(
    () => new DescribeTableCommand({ TableName: table }),
    policy,
  );
  const spec = description?.StreamSpecification;
  const arn = description?.LatestStreamArn;
  if (spec?.StreamEnabled !== true || arn === undefined) {
    throw new DynatomError(
      "store.stream-off",
      `The table "${table}" has no stream for the change feed to read: call \`await store.ensureTable()\`, ` +
        "or turn its stream on with NEW_AND_OLD_IMAGES.",
      { details: { table } },
    );
  }
  if (spec.StreamViewType !== "NEW_AND_OLD_IMAGES") {
    const view = spec.StreamViewType ?? "unknown";
    throw new DynatomError(
      "store.stream-off",
      `The table "${table}"'s stream carries ${view}, and the change feed needs old and new values: ` +
        "turn the stream off and on again with NEW_AND_OLD_IMAGES (other readers of the old stream lose their place).",
      { details: { table, view } },
    );
  }
  return { arn, label: description?.LatestStreamLabel ?? arn.slice(arn.lastIndexOf("/") + 1) };
}

/** Every shard of the stream, page after page. */
export async function listShards(
  streams: Executor<DynamoDBStreamsClient>,
  policy: RetryPolicy,
  arn: string,
): Promise<Shard[]> {
  const shards: Shard[] = [];
  let from: string | undefined;
  do {
    const start = from;
    const { StreamDescription: page } = await streams.read(
      () =>
        new DescribeStreamCommand({
          StreamArn: arn,
          ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
        }),
      policy,
    );
    for (const shard of page?.Shards ?? []) {
      if (shard.ShardId === undefined) continue;
      shards.push({
        id: shard.ShardId,
        parent: shard.ParentShardId,
        closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
      });
    }
    from = page?.LastEvaluatedShardId;
  } while (from !== undefined);
  return shards;
}

/** Why a shard cannot be read where asked. */
export type Unreadable = "expired" | "trimmed" | "gone";

/** The SDK error's name under a failed request's error, to tell the stream's own refusals apart. */
function refusal(err: unknown): Unreadable | undefined {
  const cause = isDynatomError(err) ? err.cause : err;
  const name = (cause as { name?: unknown } | undefined)?.name;
  if (name === "ExpiredIteratorException") return "expired";
  if (name === "TrimmedDataAccessException") return "trimmed";
  if (name === "ResourceNotFoundException") return "gone";
  return undefined;
}

/** An iterator at `position`, or why there is none. */
export async function shardIterator(
  streams: Executor<DynamoDBStreamsClient>,
  policy: RetryPolicy,
  arn: string,
  shard: string,
  position: Position,
): Promise<string | undefined | Unreadable> {
  try {
    const { ShardIterator: iterator } = await streams.read(
      () =>
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard,
          ShardIteratorType: position.type as ShardIteratorType,
          ...("sequence" in position ? { SequenceNumber: position.sequence } : {}),
        }),
      policy,
    );
    return iterator;
  } catch (err) {
    const why = refusal(err);
    if (why === undefined) throw err;
    return why;
  }
}

/** The next records of a shard, the iterator after them (none at the end of a closed shard), or why not. */
export async function shardRecords(
  streams: Executor<DynamoDBStreamsClient>,
  policy: RetryPolicy,
  iterator: string,
): Promise<
  { readonly records: readonly _Record[]; readonly next: string | undefined } | Unreadable
> {
  try {
    const out = await streams.read(
      () => new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      policy,
    );
    return { records: out.Records ?? [], next: out.NextShardIterator };
  } catch (err) {
    const why = refusal(err);
    if (why === undefined) throw err;
    return why;
  }
}
