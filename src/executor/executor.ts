import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynatomError } from "../errors/index.js";
import { type Attempted, attempt, type Sendable, type SendClient } from "./attempt.js";
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
export class Executor<C extends SendClient = DynamoDBClient> {
  readonly table: string;
  readonly #client: () => Promise<C>;
  readonly #timeoutMs: number;
  readonly #cutsItself: boolean;

  /** `cutsItself`: the client throws on a request past the timeout it is given (see `attempt`). */
  constructor(table: string, client: () => Promise<C>, timeoutMs: number, cutsItself = false) {
    this.table = table;
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#cutsItself = cutsItself;
  }

  /** Sends once, within the request timeout and, if given, the ms left to the call. */
  async attempt<O>(command: Sendable<O>, leftMs?: number): Promise<Attempted<O>> {
    let client: C;
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
  async read<O>(make: () => Sendable<O>, policy: RetryPolicy): Promise<O> {
    const result = await this.repeat(make, policy);
    if (!result.ok) throw this.failed(operationOf(make()), result);
    return result.output;
  }

  /**
   * `read` for a request whose refusal can be an answer too (a failed condition, a table that
   * already exists): the attempt that succeeded, or the failed one `answers` takes as answered.
   */
  repeat<O>(
    make: () => Sendable<O>,
    policy: RetryPolicy,
    answers: (failed: Failed) => boolean = () => false,
  ): Promise<Attempted<O>> {
    let last: Failed | undefined;
    return retrying(
      policy,
      async (clock) => {
        const result = await this.attempt(make(), clock.left());
        if (result.ok || answers(result)) return { done: result };
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
