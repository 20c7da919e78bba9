import { beforeConnect, classify, type Failure } from "./classify.js";
import { discards, uncopied } from "./quiet-logger.js";

/** A client of the AWS SDK that the executor sends through (DynamoDB's, or its Streams'). */
export interface SendClient {
  readonly config: { readonly logger?: unknown };
  send(command: never, options?: never): Promise<unknown>;
}

/** A command of the DynamoDB client, with the output it answers. */
export interface Sendable<O> {
  readonly input: object;
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: never) => Promise<Answer>,
        context: Record<string, unknown>,
      ) => (args: never) => Promise<Answer>,
      options: { step: "initialize"; priority: "high"; name: string },
    ): void;
    add(
      middleware: (next: (args: never) => Promise<Answer>) => (args: never) => Promise<Answer>,
      options: { step: "deserialize"; priority: "low" | "high"; name: string },
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
      /**
       * Whether a send may still reach DynamoDB later: it went out and no answer came back (a
       * reset or a timeout). What the item shows now may not be the last word on it.
       */
      readonly mayLandLater?: boolean;
    };

/** Stops a client's hidden retry after an attempt that may have applied; no SDK retries it. */
class ResendHeld extends Error {
  override readonly name = "ResendHeld";
  constructor(earlier: string) {
    super(`${earlier}; the client's own retry was not sent, as that attempt may have applied`);
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
 *
 * `cutsAt`: the `requestTimeout` of a client whose HTTP handler throws when a request outlives
 * it (a client the store made). Then the request needs no abort signal (a signal costs
 * listeners at every layer of the SDK, 2–3% of a request), and carries a timeout of its own only
 * when it must end sooner (sent with options, a request costs another 3–4%). A client of the
 * user's may only warn, so its requests are aborted.
 */
export async function attempt<O>(
  client: SendClient,
  command: Sendable<O>,
  timeoutMs: number,
  cutsAt?: number,
): Promise<Attempted<O>> {
  // A user's client that logs nothing still has the SDK copy every input and answer for its
  // logger: this request's copies are skipped.
  if (discards(client.config.logger))
    command.middlewareStack.add(
      (next, context) => {
        uncopied(context);
        return next;
      },
      { step: "initialize", priority: "high", name: "dynatomUncopied" },
    );
  let dispatched = false;
  let inFlight = 0;
  let mayHaveApplied = false;
  let mayLandLater = false;
  // Once the call is out of time, it has been classified on what reached the wire by then:
  // nothing may go out after that (a send still waiting for credentials would otherwise leave
  // later, after the caller was told it was not sent), and an answer still arriving is cut.
  let timedOut = false;
  let answering: { destroy?: () => void } | undefined;
  // What the last attempt that may have applied met, for the error of a held retry.
  let earlier = "";
  command.middlewareStack.add(
    (next) => async (args) => {
      if (timedOut) throw new RequestTimeout(timeoutMs);
      // A client's own retries must not send again what may have applied: a blind write sent
      // twice could land over a write acknowledged in between. The executor decides instead.
      if (mayHaveApplied) throw new ResendHeld(earlier);
      dispatched = true;
      inFlight++;
      try {
        const answer = await next(args);
        const response = answer.response as { statusCode?: number; body?: unknown } | undefined;
        // Its headers are in; the body may still trickle, which no handler timeout bounds.
        answering = response?.body as { destroy?: () => void } | undefined;
        if (timedOut) answering?.destroy?.();
        const status = response?.statusCode ?? 0;
        if (status < 400 || status >= 500) {
          mayHaveApplied = true;
          earlier = `an earlier attempt was answered HTTP ${status}`;
        }
        return answer;
      } catch (err) {
        if (!beforeConnect(err)) {
          mayHaveApplied = true;
          mayLandLater = true;
          earlier = `an earlier attempt failed: ${err instanceof Error ? err.message : String(err)}`;
        }
        throw err;
      } finally {
        inFlight--;
      }
    },
    { step: "deserialize", priority: "low", name: "dynatomWire" },
  );
  // Each attempt's error as the SDK parsed it: a held retry reports the one before it.
  let parsed: unknown;
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (!(err instanceof ResendHeld)) parsed = err;
        throw err;
      }
    },
    { step: "deserialize", priority: "high", name: "dynatomAttempts" },
  );
  const abort = cutsAt === undefined ? new AbortController() : undefined;
  const options =
    abort !== undefined
      ? { abortSignal: abort.signal }
      : timeoutMs < (cutsAt as number)
        ? { requestTimeout: timeoutMs }
        : undefined;
  let timer: NodeJS.Timeout | undefined;
  // The timeout or the abort reaches the HTTP handler; the race also ends waits the SDK does
  // not bound (a credentials provider that hangs).
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RequestTimeout(timeoutMs);
      timedOut = true;
      if (inFlight > 0) {
        mayHaveApplied = true;
        mayLandLater = true;
      }
      abort?.abort(err);
      answering?.destroy?.();
      reject(err);
    }, timeoutMs);
  });
  try {
    const output = await Promise.race([
      (options === undefined
        ? client.send(command as never)
        : client.send(command as never, options as never)) as Promise<O>,
      expired,
    ]);
    return { ok: true, output };
  } catch (thrown) {
    const error = thrown instanceof ResendHeld && parsed !== undefined ? parsed : thrown;
    // Out of time with nothing in flight and nothing that may have applied (a credentials
    // provider that hangs; the SDK waiting to retry a refusal): nothing applied.
    const failure =
      error instanceof RequestTimeout && !mayHaveApplied
        ? "unreachable"
        : classify(error, dispatched);
    return {
      ok: false,
      failure,
      error,
      mayHaveApplied: mayHaveApplied || failure === "unknown",
      mayLandLater,
    };
  } finally {
    clearTimeout(timer);
  }
}
