import {
  type _Record,
  DynamoDBStreamsClient,
  type GetRecordsOutput,
  type GetShardIteratorInput,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { localClientConfig } from "dynatom/local";

/** An error as the Streams API answers it (a 400 with this name). */
export function streamsError(name: string, message: string): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
  });
}

/** What the faulty client does, and what it saw. */
export interface StreamFaults {
  /**
   * Shows the one real shard as a parent closed at `at` (a sequence number) with two children:
   * the first holds every later record, the second none.
   */
  split?: { readonly at: string };
  /** The stream keeps nothing up to this sequence number: older positions are trimmed. */
  trimmedThrough?: string;
  /** GetRecords calls (counted from 1) answered ExpiredIteratorException once each. */
  expireOnCalls?: readonly number[];
  /** Counts, for assertions. */
  readonly seen: { getRecords: number; expired: number; trimmed: number; iterators: string[] };
}

const PARENT = "shardId-virtual-parent";
const CHILDREN = ["shardId-virtual-child-1", "shardId-virtual-child-2"] as const;

function later(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

/**
 * A real Streams client on DynamoDB Local with faults injected by middleware: a shard split
 * (DynamoDB Local never splits), expired iterators and trimmed data. Records are the real ones.
 */
export function faultyStreams(endpoint: string, faults: StreamFaults): DynamoDBStreamsClient {
  const client = new DynamoDBStreamsClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  let real: string | undefined;
  client.middlewareStack.add(
    ((next: (args: { input: object }) => Promise<{ output: unknown }>, context: object) =>
      async (args: { input: object }) => {
        const name = (context as { commandName?: string }).commandName;
        const input = args.input as Record<string, unknown>;
        const split = faults.split;
        if (name === "DescribeStreamCommand") {
          const out = await next(args);
          const description = (out.output as { StreamDescription?: { Shards?: Shard[] } })
            .StreamDescription;
          real = description?.Shards?.[0]?.ShardId;
          if (split !== undefined && description !== undefined) {
            const range = description.Shards?.[0]?.SequenceNumberRange;
            description.Shards = [
              {
                ShardId: PARENT,
                SequenceNumberRange: {
                  StartingSequenceNumber: range?.StartingSequenceNumber,
                  EndingSequenceNumber: split.at,
                },
              },
              ...CHILDREN.map((id) => ({
                ShardId: id,
                ParentShardId: PARENT,
                SequenceNumberRange: { StartingSequenceNumber: split.at },
              })),
            ];
          }
          return out;
        }
        if (name === "GetShardIteratorCommand") {
          const asked = input as unknown as GetShardIteratorInput;
          const shard = asked.ShardId ?? "";
          faults.seen.iterators.push(
            `${shard}:${asked.ShardIteratorType}:${asked.SequenceNumber ?? ""}`,
          );
          if (shard === CHILDREN[1])
            return { output: { ShardIterator: `${shard}|empty` }, response: {} };
          let type = asked.ShardIteratorType;
          let sequence = asked.SequenceNumber;
          if (shard === CHILDREN[0] && type === "TRIM_HORIZON" && split !== undefined) {
            type = "AFTER_SEQUENCE_NUMBER";
            sequence = split.at;
          }
          const trimmed = faults.trimmedThrough;
          if (trimmed !== undefined) {
            if (type === "TRIM_HORIZON") {
              type = "AFTER_SEQUENCE_NUMBER";
              sequence = trimmed;
            } else if (type === "AFTER_SEQUENCE_NUMBER" && later(trimmed, sequence ?? "0")) {
              faults.seen.trimmed++;
              throw streamsError(
                "TrimmedDataAccessException",
                "The requested position was trimmed",
              );
            }
          }
          const out = await next({
            ...args,
            input: {
              ...asked,
              ShardId: split === undefined ? shard : (real ?? shard),
              ShardIteratorType: type,
              ...(sequence === undefined ? {} : { SequenceNumber: sequence }),
            },
          });
          const output = out.output as { ShardIterator?: string };
          if (split !== undefined) output.ShardIterator = `${shard}|${output.ShardIterator}`;
          return out;
        }
        if (name === "GetRecordsCommand") {
          faults.seen.getRecords++;
          if (faults.expireOnCalls?.includes(faults.seen.getRecords)) {
            faults.seen.expired++;
            throw streamsError("ExpiredIteratorException", "Iterator expired");
          }
          const iterator = String(input.ShardIterator);
          if (split === undefined) return next(args);
          const bar = iterator.indexOf("|");
          const shard = iterator.slice(0, bar);
          const inner = iterator.slice(bar + 1);
          if (shard === CHILDREN[1]) {
            return { output: { Records: [], NextShardIterator: iterator }, response: {} };
          }
          const out = await next({ ...args, input: { ...input, ShardIterator: inner } });
          const output = out.output as GetRecordsOutput;
          const records: _Record[] = output.Records ?? [];
          if (shard === PARENT) {
            const kept = records.filter((r) => !later(r.dynamodb?.SequenceNumber ?? "0", split.at));
            const ended =
              kept.length < records.length || kept.at(-1)?.dynamodb?.SequenceNumber === split.at;
            output.Records = kept;
            if (ended) output.NextShardIterator = undefined;
            else if (output.NextShardIterator)
              output.NextShardIterator = `${shard}|${output.NextShardIterator}`;
            return out;
          }
          if (output.NextShardIterator)
            output.NextShardIterator = `${shard}|${output.NextShardIterator}`;
          return out;
        }
        return next(args);
      }) as never,
    { step: "initialize", priority: "high", name: "streamFaults" },
  );
  return client;
}
