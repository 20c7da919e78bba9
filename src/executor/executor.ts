import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynatomError } from "../errors/index.js";
import { type Attempted, attempt, type Sendable } from "./attempt.js";
import { requestFailed, worthRetrying } from "./classify.js";
import { type Exhausted, retrying } from "./loop.js";
import type { RetryPolicy } from "./policy.js";

/** The failed side of an attempt. */
export type Failed = Extract<Attempted<unknown>, { ok: false }>;

/**
 * Every request the library sends goes through here: one attempt at a time, bounded in time,
 * classified with what reached the wire. Features decide what a failure means for them (an
 * atom write settles a lost answer, a batch reads its chunk back); requests that change nothing
 * use `read`, which simply sends again.
 */
export class Executor {
  readonly table: string;
  readonly #client: () => Promise<DynamoDBClient>;
  readonly #timeoutMs: number;
  readonly #cutsItself: boolean;

  /** `cutsItself`: the client throws on a request past the timeout it is given (see `attempt`). */
  constructor(
    table: string,
    client: () => Promise<DynamoDBClient>,
    timeoutMs: number,
    cutsItself = false,
  ) {
    this.table = table;
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#cutsItself = cutsItself;
  }

  /** Sends once, within the request timeout and, if given, the ms left to the call. */
  async attempt<O>(command: Sendable<O>, leftMs?: number): Promise<Attempted<O>> {
    let client: DynamoDBClient;
    try {
      client = await this.#client();
    } catch (error) {
      // A closed store, or an embedded DynamoDB Local that would not start: nothing was sent,
      // and the caller reports it with what it knows of earlier attempts.
      return { ok: false, failure: "definite", error, mayHaveApplied: false };
    }
    const ms = Math.min(this.#timeoutMs, leftMs ?? Number.POSITIVE_INFINITY);
    return attempt(client, command, ms, this.#cutsItself ? this.#timeoutMs : undefined);
  }

  /**
   * Sends a request that changes nothing (or may be repeated as it is) until it is answered:
   * throttled, busy, unreachable or lost attempts are sent again under the policy.
   */
  read<O>(make: () => Sendable<O>, policy: RetryPolicy): Promise<O> {
    let last: Failed | undefined;
    return retrying(
      policy,
      async (clock) => {
        const result = await this.attempt(make(), clock.left());
        if (result.ok) return { done: result.output };
        last = result;
        if (result.failure === "unknown" || worthRetrying(result.failure)) {
          return { again: result.failure, cause: result.error };
        }
        throw this.failed(operationOf(make()), result);
      },
      (_: Exhausted) => {
        throw this.failed(operationOf(make()), last as Failed);
      },
    );
  }

  /** The error a failed request ends a call with: it names the operation and the table. */
  failed(operation: string, result: Failed): DynatomError {
    return requestFailed(result.error, operation, this.table, result.failure);
  }
}

/** `GetItem` for a GetItemCommand: how messages name a request. */
export function operationOf(command: object): string {
  return command.constructor.name.replace(/Command$/, "");
}
