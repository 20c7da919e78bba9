import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynatomError } from "../errors/index.js";
import { localClientConfig } from "../local/client-config.js";
import type { LocalDynamo } from "../local/index.js";
import { QUIET } from "./quiet-logger.js";

/** Where the store's client comes from. */
export interface ClientOptions {
  /** A client you own: used as is, never destroyed by the store. */
  readonly client?: DynamoDBClient;
  /**
   * A DynamoDB Streams client you own, for the change feed: used as is, never destroyed by the
   * store. Default: one made from the DynamoDB client's region, credentials and endpoint.
   */
  readonly streamsClient?: DynamoDBStreamsClient;
  /**
   * `"embedded"` starts DynamoDB Local in this process (stopped by `store.close()`); a URL uses
   * that endpoint. Default: `DYNATOM_ENDPOINT`, else real DynamoDB from the AWS environment.
   */
  readonly endpoint?: string;
  /** With the embedded DynamoDB Local: keep its data in this folder. Default: in memory. */
  readonly dataDir?: string;
  /**
   * How long one request may take, in ms, before its outcome counts as unknown; also for a
   * client you pass. Default: `DYNATOM_REQUEST_TIMEOUT_MS`, else 10,000.
   */
  readonly requestTimeoutMs?: number;
}

/** The client a store talks through, made on first use, and what must be released on close. */
export interface ClientHandle {
  get(): Promise<DynamoDBClient>;
  /** The Streams client of the change feed, made on first use beside the DynamoDB client. */
  streams(): Promise<DynamoDBStreamsClient>;
  /** How long one request may take, in ms: the executor bounds every request by it. */
  readonly timeoutMs: number;
  /**
   * Whether the client throws on a request that outlives the `requestTimeout` it is sent with
   * (one made here, with `throwOnRequestTimeout`); a client of the user's is not trusted to.
   */
  readonly cutsItself: boolean;
  /** The same, for the Streams client. */
  readonly streamsCutItself: boolean;
  close(): Promise<void>;
}

function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
}

/**
 * Resolves the client in this order: `client`, `endpoint`, `DYNATOM_ENDPOINT`, the AWS
 * environment. A URL endpoint without AWS credentials in the environment gets placeholder ones,
 * as DynamoDB Local needs some and checks none.
 */
export function clientHandle(
  options: ClientOptions,
  env: NodeJS.ProcessEnv = process.env,
): ClientHandle {
  const timeout = requestTimeout(options.requestTimeoutMs, env);
  const own = options.client;
  const ownStreams = options.streamsClient;
  if (own !== undefined) {
    let made: DynamoDBStreamsClient | undefined;
    return {
      get: async () => own,
      streams: async () => {
        made ??= ownStreams ?? streamsBeside(own, {}, QUIET);
        return made;
      },
      timeoutMs: timeout,
      cutsItself: false,
      streamsCutItself: false,
      close: async () => {
        if (made !== ownStreams) made?.destroy();
      },
    };
  }
  const endpoint = options.endpoint ?? env.DYNATOM_ENDPOINT;
  checkEndpoint(endpoint, options.endpoint === undefined ? "DYNATOM_ENDPOINT" : "endpoint");
  // The installed SDK sets no timeout by default: a server that accepts and never answers
  // would hold a call for good. The connect is bounded too. No socket timer (0 turns it off,
  // also the one AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026 would set, which could undercut a long
  // requestTimeoutMs): an answer whose body trickles is cut by the request's own deadline
  // (`attempt`), and the handler's socket timer costs every request 2–3%.
  const requestHandler = {
    requestTimeout: timeout,
    throwOnRequestTimeout: true,
    socketTimeout: 0,
    connectionTimeout: Math.min(timeout, CONNECT_TIMEOUT_MS),
  };
  // No hidden SDK retries: the executor sees every attempt and decides each resend itself.
  const maxAttempts = 1;
  const logger = QUIET;
  let local: LocalDynamo | undefined;
  let made: Promise<DynamoDBClient> | undefined;
  const make = async (): Promise<DynamoDBClient> => {
    if (endpoint === "embedded") {
      // Loaded only here: a production bundle that never starts DynamoDB Local skips it.
      const { startLocal } = await import("../local/index.js");
      local = await startLocal(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
      return new DynamoDBClient({
        ...localClientConfig(local.endpoint),
        requestHandler,
        maxAttempts,
        logger,
      });
    }
    if (endpoint !== undefined && endpoint !== "" && endpoint !== "aws") {
      return new DynamoDBClient({
        ...(hasAwsCredentials(env)
          ? { endpoint, region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "local" }
          : localClientConfig(endpoint)),
        requestHandler,
        maxAttempts,
        logger,
      });
    }
    return new DynamoDBClient({ requestHandler, maxAttempts, logger });
  };
  let streams: DynamoDBStreamsClient | undefined;
  const get = () => {
    // A failed start (no Java, a timeout) is not kept: the next call tries again.
    made ??= make().catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
  return {
    timeoutMs: timeout,
    cutsItself: true,
    // A Streams client of the user's may only warn on a timeout; its requests are aborted.
    streamsCutItself: ownStreams === undefined,
    get,
    streams: async () => {
      if (ownStreams !== undefined) return ownStreams;
      const client = await get();
      streams ??= streamsBeside(client, requestHandler, logger);
      return streams;
    },
    async close() {
      const client = made === undefined ? undefined : await made.catch(() => undefined);
      client?.destroy();
      streams?.destroy();
      await local?.stop();
    },
  };
}

/**
 * A Streams client that reaches the same DynamoDB as `client`: its region, its credentials, and
 * its endpoint where one was set (DynamoDB Local serves Streams on the same port).
 */
function streamsBeside(
  client: DynamoDBClient,
  requestHandler: object,
  logger: typeof QUIET,
): DynamoDBStreamsClient {
  const { region, credentials, endpoint, isCustomEndpoint } = client.config;
  return new DynamoDBStreamsClient({
    region,
    credentials,
    ...(isCustomEndpoint && endpoint !== undefined ? { endpoint } : {}),
    requestHandler,
    maxAttempts: 1,
    logger,
  });
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 3_000;

/** `DYNATOM_REQUEST_TIMEOUT_MS` sets the default, so that a slow machine can be given more. */
const TIMEOUT_ENV = "DYNATOM_REQUEST_TIMEOUT_MS";

function requestTimeout(ms: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = ms === undefined ? env[TIMEOUT_ENV] : undefined;
  if (ms === undefined && (fromEnv === undefined || fromEnv === "")) {
    return DEFAULT_REQUEST_TIMEOUT_MS;
  }
  const value = fromEnv === undefined ? ms : Number(fromEnv);
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  const option = fromEnv === undefined ? "requestTimeoutMs" : TIMEOUT_ENV;
  throw new DynatomError(
    "store.invalid-option",
    `The ${fromEnv === undefined ? "option" : "variable"} ${option} cannot be ` +
      `${fromEnv === undefined ? String(ms) : JSON.stringify(fromEnv)}: give a finite number of ms > 0.`,
    { details: { option, value: String(fromEnv ?? ms) } },
  );
}

/**
 * Refuses, before any I/O, an endpoint the SDK would only fail on later with a puzzling error
 * (`localhost:8000` has no scheme and reads as a URL of scheme "localhost").
 */
function checkEndpoint(endpoint: string | undefined, from: "endpoint" | "DYNATOM_ENDPOINT"): void {
  if (endpoint === undefined || endpoint === "" || endpoint === "embedded" || endpoint === "aws") {
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {}
  if ((url?.protocol === "http:" || url?.protocol === "https:") && url.hostname !== "") return;
  throw new DynatomError(
    "store.invalid-endpoint",
    `The ${from === "endpoint" ? "endpoint option" : "DYNATOM_ENDPOINT variable"} is ` +
      `${JSON.stringify(endpoint)}, which is not a DynamoDB endpoint: use an http(s) URL such as ` +
      '"http://localhost:8000", "embedded" for DynamoDB Local in this process, or "aws" ' +
      "(or leave it unset) for real DynamoDB from the AWS settings.",
    { details: { endpoint, from } },
  );
}
