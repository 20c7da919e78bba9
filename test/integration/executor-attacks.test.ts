// Attacks on the executor's client handling, kept as regressions: the log copies skipped on a
// user's client whose logger is the SDK's no-op default, store-made clients without a socket
// timer, and a per-send requestTimeout sent only when a call's deadline is nearer than the
// client's. The attack found two bugs, fixed since: a request's context once got a logger
// without info/error, so a user's middleware that logged through it threw, and refused or
// conflicting writes ended "unknown"; and without any socketTimeout, the 300 s default idle cut
// of AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026 undercut a requestTimeoutMs above 300 s.
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { clientHandle } from "../../src/executor/client.js";
import { Counter, Register } from "../helpers/atoms.js";
import {
  listening,
  startRawServer,
  startSilentServer,
  startTrickleServer,
} from "../helpers/silent-server.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("executor-attacks");
  await createStore({ table, atoms: [Counter, Register], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

let n = 0;
const fresh = () => `x${++n}`;

const HEAD_START = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n";

async function closesSoon(server: { open(): number }, withinMs: number): Promise<number> {
  for (let waited = 0; server.open() > 0 && waited < withinMs; waited += 25) await sleep(25);
  return server.open();
}

/** Runs `body` on a store made on `endpoint`; answers how long the call took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  let error: unknown;
  try {
    await fn();
  } catch (err) {
    error = err;
  }
  return { ms: Date.now() - started, error };
}

// ---------------------------------------------------------------------------------------------
// 1. The quiet logger on a user's client whose logger is the SDK's NoOpLogger
// ---------------------------------------------------------------------------------------------

/**
 * A middleware of the user's that logs through `context.logger` the way the SDK's `Logger`
 * type allows (`info` and `error` are required members of it).
 */
function loggingMiddleware(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        const out = await next(args);
        context.logger?.info(`sent ${context.commandName}`);
        return out;
      } catch (err) {
        context.logger?.error(`failed ${context.commandName}`);
        throw err;
      }
    },
    { step: "finalizeRequest", name: "usersLogging" },
  );
}

test("a user's middleware logging via context.logger.info works with the SDK alone", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  loggingMiddleware(client);
  try {
    await t.notThrowsAsync(
      client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: "a" }, sk: { S: "b" } } }),
      ),
    );
  } finally {
    client.destroy();
  }
});

test("ATTACK: a user's middleware logging via context.logger.info still works through dynatom", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  loggingMiddleware(client);
  const store = createStore({
    table,
    atoms: [Counter],
    client,
    requestTimeoutMs: 1_000,
    retry: { deadlineMs: 1_500 },
  });
  try {
    const name = fresh();
    const { error, ms } = await timed(() => store.atom(Counter, { name }).deref());
    t.is(error, undefined, `deref failed after ${ms} ms: ${String(error)}`);
  } finally {
    client.destroy();
  }
});

test("ATTACK: a refusal on a user's client with a logging middleware stays a refusal (not retried as unknown)", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  loggingMiddleware(client);
  const store = createStore({
    table: "no-such-table-here",
    atoms: [Counter],
    client,
    requestTimeoutMs: 1_000,
    retry: { deadlineMs: 1_500 },
  });
  try {
    const { error, ms } = await timed(() => store.atom(Counter, { name: "x" }).deref());
    t.true(isDynatomError(error, "store.table-missing"), `after ${ms} ms: ${String(error)}`);
  } finally {
    client.destroy();
  }
});

/** A middleware of the user's that logs only failures, through `context.logger.error`. */
function errorLoggingMiddleware(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        context.logger?.error(`failed ${context.commandName}`);
        throw err;
      }
    },
    { step: "finalizeRequest", name: "usersErrorLogging" },
  );
}

/**
 * A DynamoDB stand-in: every GetItem finds nothing, every PutItem is refused with a 400
 * ValidationException (a write that surely did not apply).
 */
async function startRefusingServer() {
  return startRawServer((socket, first) => {
    let head = "";
    const answer = (chunk: Buffer) => {
      head += chunk.toString();
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (head.length < end + 4 + length) return;
      const target = /x-amz-target:\s*DynamoDB_20120810\.(\w+)/i.exec(head)?.[1];
      head = head.slice(end + 4 + length);
      const [status, body] =
        target === "PutItem"
          ? [
              "400 Bad Request",
              '{"__type":"com.amazon.coral.validate#ValidationException","message":"refused"}',
            ]
          : ["200 OK", "{}"];
      socket.write(
        `HTTP/1.1 ${status}\r\nContent-Type: application/x-amz-json-1.0\r\n` +
          `x-amzn-RequestId: r\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    };
    socket.on("data", answer);
    answer(first);
  });
}

for (const logs of [false, true]) {
  test(`${logs ? "ATTACK: " : ""}a write DynamoDB refuses (400) on a user's client${logs ? " that logs failures" : ""} is a plain failure, not unknown`, async (t) => {
    const server = await startRefusingServer();
    const client = new DynamoDBClient(localClientConfig(server.endpoint));
    if (logs) errorLoggingMiddleware(client);
    const store = createStore({
      table: "attack-table",
      atoms: [Counter],
      client,
      requestTimeoutMs: 1_000,
      retry: { deadlineMs: 1_500 },
    });
    try {
      const name = fresh();
      const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
      const { error, ms } = await timed(() => atom.reset({ name, n: 1 }));
      t.true(isDynatomError(error, "store.request-failed"), `after ${ms} ms: ${String(error)}`);
      t.false(isDynatomError(error) && error.retryable, `after ${ms} ms: ${String(error)}`);
    } finally {
      client.destroy();
      server.close();
    }
  });
}

test("ATTACK: a conflicting swap on a user's client that logs failures is retried as a conflict", async (t) => {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  errorLoggingMiddleware(client);
  const store = createStore({
    table,
    atoms: [Counter, Register],
    client,
    requestTimeoutMs: 1_000,
    retry: { deadlineMs: 3_000 },
  });
  const other = createStore({ table, atoms: [Counter, Register], client: dynamo().client });
  try {
    const name = fresh();
    const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
    await mine.deref();
    // Mine has seen the item absent: its swap writes in one request, which the other's write
    // (creating it) made stale.
    await other
      .atom(Counter, { name }, { init: { name, n: 0 } })
      .swap((o) => ({ ...o, n: o.n + 10 }));
    let calls = 0;
    const { error, ms } = await timed(() =>
      mine.swap((c) => {
        calls++;
        return { ...c, n: c.n + 1 };
      }),
    );
    t.is(error, undefined, `after ${ms} ms, ${calls} calls: ${String(error)}`);
    t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 11 });
  } finally {
    client.destroy();
  }
});

test("a user's client with SDK retries and the default logger: a 5xx then the held resend is classified as before", async (t) => {
  // Every request answers 500: the first attempt may have applied, so the SDK's retry is held.
  const server = await startRawServer((socket) => {
    const body =
      '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}';
    socket.write(
      `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.0\r\n` +
        `x-amzn-RequestId: r\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  const client = new DynamoDBClient({ ...localClientConfig(server.endpoint), maxAttempts: 3 });
  const warned: unknown[] = [];
  const origWarn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args);
  const store = createStore({
    table: "attack-table",
    atoms: [Counter],
    client,
    requestTimeoutMs: 500,
    retry: { deadlineMs: 800, maxAttempts: 2 },
  });
  try {
    const { error } = await timed(() =>
      store.atom(Counter, { name: "x" }).reset({ name: "x", n: 1 }),
    );
    t.true(isDynatomError(error), String(error));
    t.false(String(error).includes("is not a function"), String(error));
  } finally {
    console.warn = origWarn;
    client.destroy();
    server.close();
  }
});

// ---------------------------------------------------------------------------------------------
// 2./3. Store-made clients: no socketTimeout; requestTimeout per send only when nearer
// ---------------------------------------------------------------------------------------------

type Shape = "silent" | "trickle" | "mid-headers" | "headers-then-silence";

async function serverOf(shape: Shape) {
  switch (shape) {
    case "silent":
      return startSilentServer();
    case "trickle":
      return startTrickleServer();
    case "mid-headers":
      // Half a head, then nothing: the response callback never runs.
      return startRawServer((socket) => socket.write(HEAD_START));
    case "headers-then-silence":
      // A whole head, one byte of the body, then nothing: no handler timer is left.
      return startRawServer((socket) =>
        socket.write(`${HEAD_START}x-amzn-RequestId: x\r\nContent-Length: 100\r\n\r\n{`),
      );
  }
}

for (const shape of ["silent", "trickle", "mid-headers", "headers-then-silence"] as const) {
  for (const [label, requestTimeoutMs, deadlineMs] of [
    ["deadline < requestTimeout", 5_000, 400],
    ["deadline > requestTimeout", 300, 1_200],
  ] as const) {
    test(`store-made client, ${shape}, ${label}: the call ends in time and no socket stays open`, async (t) => {
      const server = await serverOf(shape);
      const store = createStore({
        table: "attack-table",
        atoms: [Counter],
        endpoint: server.endpoint,
        requestTimeoutMs,
        retry: { deadlineMs },
      });
      try {
        const name = fresh();
        const read = await timed(() => store.atom(Counter, { name }).deref());
        t.true(isDynatomError(read.error, "store.request-failed"), String(read.error));
        // The deadline plus one last attempt's request timeout at most, plus slack.
        t.true(
          read.ms < deadlineMs + Math.min(requestTimeoutMs, deadlineMs) + 500,
          `${read.ms} ms`,
        );
        // A write: its outcome must be unknown (the request went out), never a plain failure.
        const write = await timed(() =>
          store.atom(Counter, { name }, { init: { name, n: 0 } }).swap((c) => ({ ...c, n: 1 })),
        );
        t.true(isDynatomError(write.error), String(write.error));
        // The request is cut with the call, not left to a socket timer.
        t.is(await closesSoon(server, 300), 0, "a connection stayed open after the call");
      } finally {
        await store.close();
        server.close();
      }
    });
  }
}

/**
 * A proxy to DynamoDB Local that carries every request out, and answers every PutItem in a
 * given broken way after DynamoDB applied it: the write landed, its answer did not.
 */
async function startApplyingProxy(target: string, shape: Exclude<Shape, "silent">) {
  const timers = new Set<NodeJS.Timeout>();
  const url = new URL(target);
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const forward = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on("data", (c: Buffer) => parts.push(c));
          up.on("end", () => {
            const answer = Buffer.concat(parts);
            const isPut = String(req.headers["x-amz-target"] ?? "").endsWith(".PutItem");
            if (!isPut) {
              res.writeHead(up.statusCode ?? 500, up.headers);
              res.end(answer);
              return;
            }
            const socket = req.socket;
            const head =
              `HTTP/1.1 ${up.statusCode} OK\r\nContent-Type: application/x-amz-json-1.0\r\n` +
              `x-amzn-RequestId: r\r\nContent-Length: ${answer.length + 10}\r\n\r\n`;
            if (shape === "mid-headers") socket.write(head.slice(0, 40));
            else if (shape === "headers-then-silence")
              socket.write(head + answer.subarray(0, 1).toString());
            else {
              socket.write(head + answer.subarray(0, 1).toString());
              const timer = setInterval(() => socket.write(" "), 100);
              timers.add(timer);
              socket.on("close", () => clearInterval(timer));
            }
          });
        },
      );
      forward.end(body);
    });
  });
  return listening(server, timers);
}

for (const shape of ["trickle", "mid-headers", "headers-then-silence"] as const) {
  for (const [label, requestTimeoutMs, deadlineMs] of [
    ["deadline < requestTimeout", 5_000, 600],
    ["deadline > requestTimeout", 300, 2_000],
  ] as const) {
    test(`store-made client, a write that applied and was answered ${shape}, ${label}: never reported failed or applied twice`, async (t) => {
      const proxy = await startApplyingProxy(dynamo().endpoint, shape);
      const store = createStore({
        table,
        atoms: [Counter],
        endpoint: proxy.endpoint,
        requestTimeoutMs,
        retry: { deadlineMs },
      });
      const other = createStore({ table, atoms: [Counter], client: dynamo().client });
      try {
        const name = fresh();
        await other.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 0 });
        const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
        const { error, ms } = await timed(() => mine.swap((c) => ({ ...c, n: c.n + 1 })));
        const stored = await other.atom(Counter, { name }).deref();
        t.deepEqual(stored, { name, n: 1 }, `after ${ms} ms: ${String(error)}`);
        // Applied: success, or an outcome-unknown error; never a plain (retryable) failure.
        if (error !== undefined) {
          t.true(isDynatomError(error, "atom.outcome-unknown"), `after ${ms} ms: ${String(error)}`);
        }
        t.true(ms < deadlineMs + Math.min(requestTimeoutMs, deadlineMs) + 1_000, `${ms} ms`);
        t.is(await closesSoon(proxy, 500), 0, "a connection stayed open after the call");
      } finally {
        await store.close();
        proxy.close();
      }
    });
  }
}

test("store-made client: headers arriving just around the request timeout never leave a socket open", async (t) => {
  // The call's timer starts before the handler's: an answer whose head arrives between them
  // is seen by the wire middleware after the call ended.
  let delay = 0;
  const server = await startRawServer((socket) => {
    const at = delay;
    setTimeout(() => {
      if (socket.destroyed) return;
      socket.write(`${HEAD_START}x-amzn-RequestId: x\r\nContent-Length: 100\r\n\r\n{`);
    }, at);
  });
  const requestTimeoutMs = 200;
  const store = createStore({
    table: "attack-table",
    atoms: [Counter],
    endpoint: server.endpoint,
    requestTimeoutMs,
    retry: { deadlineMs: 150, maxAttempts: 1 },
  });
  try {
    for (delay = 120; delay <= 230; delay += 5) {
      const read = await timed(() => store.atom(Counter, { name: fresh() }).deref());
      t.truthy(read.error);
      t.true(read.ms < 400, `delay ${delay}: ${read.ms} ms`);
    }
    t.is(await closesSoon(server, 500), 0);
  } finally {
    await store.close();
    server.close();
  }
});

test("DYNATOM_REQUEST_TIMEOUT_MS bounds a store-made client's request on a trickling server", async (t) => {
  const server = await startTrickleServer();
  const before = process.env.DYNATOM_REQUEST_TIMEOUT_MS;
  process.env.DYNATOM_REQUEST_TIMEOUT_MS = "250";
  const store = createStore({
    table: "attack-table",
    atoms: [Counter],
    endpoint: server.endpoint,
    retry: { deadlineMs: 60_000, maxAttempts: 2 },
  });
  try {
    const read = await timed(() => store.atom(Counter, { name: fresh() }).deref());
    t.truthy(read.error);
    t.true(read.ms < 2_000, `${read.ms} ms`);
    t.is(await closesSoon(server, 300), 0);
  } finally {
    if (before === undefined) delete process.env.DYNATOM_REQUEST_TIMEOUT_MS;
    else process.env.DYNATOM_REQUEST_TIMEOUT_MS = before;
    await store.close();
    server.close();
  }
});

test("AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026: a store-made client's idle socket limit does not undercut requestTimeoutMs", async (t) => {
  const before = process.env.AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026;
  process.env.AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026 = "true";
  const requestTimeoutMs = 600_000;
  const handle = clientHandle({ endpoint: dynamo().endpoint, requestTimeoutMs });
  try {
    const client = await handle.get();
    await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "a" }, sk: { S: "b" } } }),
    );
    const config = (
      client.config.requestHandler as unknown as {
        httpHandlerConfigs(): { socketTimeout?: number; defaultSocketTimeout?: number };
      }
    ).httpHandlerConfigs();
    // The handler cuts a request idle for this long: its default applies only when socketTimeout
    // is undefined, and a socketTimeout of 0 sets no timer at all.
    const idleCut =
      config.socketTimeout === 0
        ? Number.POSITIVE_INFINITY
        : (config.socketTimeout ?? config.defaultSocketTimeout ?? Number.POSITIVE_INFINITY);
    t.true(
      idleCut >= requestTimeoutMs,
      `socketTimeout ${config.socketTimeout}, defaultSocketTimeout ${config.defaultSocketTimeout}`,
    );
  } finally {
    if (before === undefined) delete process.env.AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026;
    else process.env.AWS_ENABLE_DEFAULT_SOCKET_TIMEOUT_2026 = before;
    await handle.close();
  }
});
