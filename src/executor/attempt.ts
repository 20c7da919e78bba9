import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeConnect, classify, type Failure } from "./classify.js";

/** A command of the DynamoDB client, with the output it answers. */
export interface Sendable<O> {
  readonly input: object;
  readonly middlewareStack: {
    add(
      middleware: (next: (args: never) => Promise<Answer>) => (args: never) => Promise<Answer>,
      options: { step: "deserialize"; priority: "low"; name: string },
    ): void;
  };
  /** Only read for its type: what the command answers. */
  resolveMiddleware(...args: never[]): (args: never) => Promise<{ readonly output: O }>;
}

interface Answer {
  readonly response: unknown;
}

/** What one request did, as far as this process can know. */
export type Attempted<O> =
  | { readonly ok: true; readonly output: O }
  | {
      readonly ok: false;
      readonly failure: Failure;
      readonly error: unknown;
      /**
       * Whether this request may have applied although it failed: a send reached the server and
       * its answer was lost or was a 5xx, possibly on an SDK retry hidden behind the final error.
       */
      readonly mayHaveApplied: boolean;
    };

/** Stops a client's hidden retry after an attempt that may have applied; no SDK retries it. */
class ResendHeld extends Error {
  override readonly name = "ResendHeld";
  constructor() {
    super("an earlier attempt may have applied: the client's own retry was not sent");
  }
}

/** The error a request gets when it runs out of time. */
export class RequestTimeout extends Error {
  override readonly name = "TimeoutError";
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * Sends one request, bounded by `timeoutMs` whatever the client's settings, and records what
 * reached the wire: a middleware next to the HTTP handler sees every attempt the SDK makes,
 * including its own retries. A refusal (a 4xx answer) or a connection never made applied
 * nothing; any other attempt that was sent may have applied.
 */
export async function attempt<O>(
  client: DynamoDBClient,
  command: Sendable<O>,
  timeoutMs: number,
): Promise<Attempted<O>> {
  let dispatched = false;
  let inFlight = 0;
  let mayHaveApplied = false;
  command.middlewareStack.add(
    (next) => async (args) => {
      // A client's own retries must not send again what may have applied: a blind write sent
      // twice could land over a write acknowledged in between. The executor decides instead.
      if (mayHaveApplied) throw new ResendHeld();
      dispatched = true;
      inFlight++;
      try {
        const answer = await next(args);
        const status = (answer.response as { statusCode?: number } | undefined)?.statusCode ?? 0;
        if (status < 400 || status >= 500) mayHaveApplied = true;
        return answer;
      } catch (err) {
        if (!beforeConnect(err)) mayHaveApplied = true;
        throw err;
      } finally {
        inFlight--;
      }
    },
    { step: "deserialize", priority: "low", name: "dynatomWire" },
  );
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The abort reaches the HTTP handler; the race also ends waits the SDK does not bound
  // (a credentials provider that hangs).
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RequestTimeout(timeoutMs);
      if (inFlight > 0) mayHaveApplied = true;
      abort.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    const output = await Promise.race([
      client.send(command as never, { abortSignal: abort.signal }) as Promise<O>,
      expired,
    ]);
    return { ok: true, output };
  } catch (error) {
    // Out of time with nothing in flight and nothing that may have applied (a credentials
    // provider that hangs; the SDK waiting to retry a refusal): nothing applied.
    const failure =
      error instanceof RequestTimeout && !mayHaveApplied
        ? "unreachable"
        : classify(error, dispatched);
    return { ok: false, failure, error, mayHaveApplied: mayHaveApplied || failure === "unknown" };
  } finally {
    clearTimeout(timer);
  }
}
