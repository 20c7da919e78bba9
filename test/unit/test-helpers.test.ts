import { once } from "node:events";
import http from "node:http";
import { connect } from "node:net";
import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import {
  amzTarget,
  type FaultProxy,
  matchOperations,
  startFaultProxy,
} from "../helpers/fault-proxy.js";
import { checkCounterHistory, now, type Op, timed } from "../helpers/linearizable.js";

// ---------------------------------------------------------------- linearizability checker

const read = (start: number, end: number, value: number): Op => ({
  kind: "read",
  start,
  end,
  value,
});
const add = (start: number, end: number, delta = 1, ok: true | false | "unknown" = true): Op =>
  ok === true
    ? { kind: "add", start, end, delta, ok }
    : ok === false
      ? { kind: "add", start, end, delta, ok }
      : { kind: "add", start, end, delta, ok };

const linearizable = (history: readonly Op[], initial: number, final: number) =>
  checkCounterHistory(history, initial, final).linearizable;

/** Tries every real-time-respecting order (and every fate of unknown adds): tiny histories only. */
function bruteForce(history: readonly Op[], initial: number, final: number): boolean {
  const used = history.map(() => false);
  const go = (value: number, left: number): boolean => {
    if (left === 0) return value === final;
    for (const [i, op] of history.entries()) {
      if (used[i]) continue;
      if (history.some((other, j) => j !== i && !used[j] && other.end < op.start)) continue;
      used[i] = true;
      const found =
        op.kind === "read"
          ? op.value === value && go(value, left - 1)
          : (op.ok !== false && go(value + op.delta, left - 1)) ||
            (op.ok !== true && go(value, left - 1));
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return go(initial, history.length);
}

interface Step {
  process: number;
  gap: number;
  duration: number;
  at: number;
  isRead: boolean;
  delta: number;
  outcome: true | false | "unknown";
  applied: boolean;
}

/**
 * Runs steps as a real execution would: each process does its operations one after another,
 * each takes effect at an instant inside its interval, and reads record the true value then.
 */
function simulate(steps: readonly Step[], initial: number): { history: Op[]; final: number } {
  const clock = new Map<number, number>();
  const timed = steps.map((step, index) => {
    const start = (clock.get(step.process) ?? 0) + step.gap;
    const end = start + step.duration;
    clock.set(step.process, end);
    return { step, index, start, end, point: start + step.at * step.duration };
  });
  const byPoint = [...timed].sort((a, b) => a.point - b.point || a.index - b.index);
  let value = initial;
  const observed = new Map<number, number>();
  for (const { step, index } of byPoint) {
    if (step.isRead) observed.set(index, value);
    else if (step.outcome === true || (step.outcome === "unknown" && step.applied)) {
      value += step.delta;
    }
  }
  const history = timed.map(({ step, index, start, end }) =>
    step.isRead
      ? read(start, end, observed.get(index) ?? Number.NaN)
      : add(start, end, step.delta, step.outcome),
  );
  return { history, final: value };
}

const stepArb = (options: {
  processes: number;
  deltas: fc.Arbitrary<number>;
  outcomes: fc.Arbitrary<Step["outcome"]>;
}) =>
  fc.record({
    process: fc.nat(options.processes - 1),
    gap: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 4 }),
      fc.double({ min: 0, max: 4, noNaN: true }),
    ),
    duration: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 8 }),
      fc.double({ min: 0, max: 8, noNaN: true }),
    ),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    isRead: fc.boolean(),
    delta: options.deltas,
    outcome: options.outcomes,
    applied: fc.boolean(),
  });

const anyOutcome = fc.constantFrom<Step["outcome"]>(true, true, false, "unknown");

test("linearizable histories pass", (t) => {
  t.true(linearizable([], 3, 3));
  t.true(linearizable([add(0, 1), read(2, 3, 1)], 0, 1));
  t.true(linearizable([add(0, 10), read(1, 2, 0)], 0, 1), "a concurrent read may miss the add");
  t.true(linearizable([add(0, 10), read(1, 2, 1)], 0, 1), "or see it");
  t.true(linearizable([add(0, 10), read(1, 2, 0), read(3, 4, 1)], 0, 1));
  t.true(linearizable([add(0, 1, 5, false), read(2, 3, 0)], 0, 0), "a failed add is never seen");
  t.true(linearizable([add(0, 10, 1, "unknown"), read(11, 12, 0)], 0, 0), "unknown: not applied");
  t.true(linearizable([add(0, 10, 1, "unknown"), read(11, 12, 1)], 0, 1), "unknown: applied");
  t.true(linearizable([add(0, 10, 2), add(0, 10, -1), read(1, 2, 1)], 0, 1), "sum of a subset");
  t.true(linearizable([add(0, 1), read(1, 2, 0)], 0, 1), "touching intervals are concurrent");
});

test("a read observing a value that no cut can produce fails", (t) => {
  const verdict = checkCounterHistory([add(0, 1), add(5, 6), read(2, 3, 0)], 0, 2);
  t.false(verdict.linearizable, "the first add must precede the read");
  t.regex(verdict.reason ?? "", /read #2 observed 0/);
  t.false(linearizable([add(0, 1), add(5, 6), read(2, 3, 2)], 0, 2), "the second must follow");
  // Within the range [0, 5] but not a subset sum of {2, 3}: only the search can tell.
  const subsets = [add(0, 10, 2), add(0, 10, 3), read(1, 2, 4)];
  t.false(linearizable(subsets, 0, 5));
  t.true(linearizable([...subsets.slice(0, 2), read(1, 2, 3)], 0, 5));
});

test("a final value that counts a failed add fails", (t) => {
  const history = [add(0, 1, 5, false), add(2, 3, 1)];
  t.true(linearizable(history, 0, 1));
  const verdict = checkCounterHistory(history, 0, 6);
  t.false(verdict.linearizable);
  t.regex(verdict.reason ?? "", /final value 6/);
});

test("a read going backwards in real time fails", (t) => {
  t.false(linearizable([add(0, 10), read(1, 2, 1), read(3, 4, 0)], 0, 1));
  t.true(linearizable([add(0, 10), read(1, 2, 1), read(1, 4, 0)], 0, 1), "concurrent reads may");
  const unknown = [add(0, 10, 1, "unknown"), read(1, 2, 1), read(3, 4, 0)];
  t.false(linearizable(unknown, 0, 1), "an unknown add cannot be taken back either");
  t.false(
    linearizable([add(0, 10, 1, "unknown"), read(1, 2, 1)], 0, 0),
    "a seen unknown add counts",
  );
});

test("a double-applied add is caught by the final value", (t) => {
  const history = [add(0, 1), read(2, 3, 1), add(4, 5), read(6, 7, 2)];
  t.true(linearizable(history, 0, 2));
  const verdict = checkCounterHistory(history, 0, 3);
  t.false(verdict.linearizable);
  t.truthy(verdict.reason);
});

test("slack widens intervals for clocks that disagree", (t) => {
  const history = [add(0, 1), read(1.5, 2, 0)];
  t.false(linearizable(history, 0, 1));
  t.true(checkCounterHistory(history, 0, 1, { slack: 1 }).linearizable);
});

test("malformed histories are refused, not judged", (t) => {
  t.throws(() => checkCounterHistory([add(2, 1)], 0, 1), { instanceOf: RangeError });
  t.throws(() => checkCounterHistory([add(0, 1, 0.5)], 0, 1), { instanceOf: RangeError });
  t.throws(() => checkCounterHistory([read(Number.NaN, 1, 0)], 0, 0), { instanceOf: RangeError });
  t.true(linearizable([add(0, Number.POSITIVE_INFINITY, 1, "unknown"), read(5, 6, 1)], 0, 1));
});

test("agrees with brute force on tiny arbitrary histories", (t) => {
  const opArb = fc.oneof(
    fc
      .record({ start: fc.nat(10), length: fc.nat(5), value: fc.integer({ min: -2, max: 4 }) })
      .map(({ start, length, value }) => read(start, start + length, value)),
    fc
      .record({
        start: fc.nat(10),
        length: fc.nat(5),
        delta: fc.integer({ min: -1, max: 2 }),
        ok: fc.constantFrom<true | false | "unknown">(true, false, "unknown"),
      })
      .map(({ start, length, delta, ok }) => add(start, start + length, delta, ok)),
  );
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 7 }),
      fc.integer({ min: -2, max: 5 }),
      (history, final) => {
        t.is(linearizable(history, 0, final), bruteForce(history, 0, final));
      },
    ),
    { numRuns: 3000 },
  );
});

test("agrees with brute force on tiny simulated histories, mutated or not", (t) => {
  const steps = fc.array(
    stepArb({ processes: 3, deltas: fc.integer({ min: -2, max: 2 }), outcomes: anyOutcome }),
    { maxLength: 7 },
  );
  fc.assert(
    fc.property(steps, fc.nat(), fc.integer({ min: -1, max: 1 }), (steps, pick, shift) => {
      const { history, final } = simulate(steps, 0);
      t.true(bruteForce(history, 0, final));
      t.true(linearizable(history, 0, final));
      const mutated = history.map((op, i) =>
        op.kind === "read" && i === pick % history.length ? { ...op, value: op.value + shift } : op,
      );
      t.is(linearizable(mutated, 0, final + shift), bruteForce(mutated, 0, final + shift));
    }),
    { numRuns: 1500 },
  );
});

test("simulated executions are linearizable", (t) => {
  const steps = fc.array(
    stepArb({ processes: 8, deltas: fc.integer({ min: -3, max: 5 }), outcomes: anyOutcome }),
    { maxLength: 120 },
  );
  fc.assert(
    fc.property(steps, fc.integer({ min: -10, max: 10 }), (steps, initial) => {
      const { history, final } = simulate(steps, initial);
      const verdict = checkCounterHistory(history, initial, final);
      t.true(verdict.linearizable, verdict.reason);
    }),
    { numRuns: 300 },
  );
});

test("a final value off by one fails when every outcome is known", (t) => {
  const steps = fc.array(
    stepArb({
      processes: 8,
      deltas: fc.integer({ min: -3, max: 5 }),
      outcomes: fc.constantFrom<Step["outcome"]>(true, false),
    }),
    { maxLength: 120 },
  );
  fc.assert(
    fc.property(steps, fc.constantFrom(-1, 1), (steps, off) => {
      const { history, final } = simulate(steps, 0);
      t.false(linearizable(history, 0, final + off));
    }),
    { numRuns: 200 },
  );
});

test("a read that goes below an earlier read fails when adds only grow the counter", (t) => {
  const steps = fc.array(
    stepArb({ processes: 8, deltas: fc.integer({ min: 0, max: 2 }), outcomes: anyOutcome }),
    { minLength: 2, maxLength: 120 },
  );
  fc.assert(
    fc.property(steps, fc.nat(), (steps, pick) => {
      const { history, final } = simulate(steps, 0);
      const pairs: [number, number][] = [];
      for (const [i, a] of history.entries()) {
        for (const [j, b] of history.entries()) {
          if (a.kind === "read" && b.kind === "read" && a.end < b.start) pairs.push([i, j]);
        }
      }
      fc.pre(pairs.length > 0);
      const [earlier, later] = pairs[pick % pairs.length] ?? [0, 0];
      const seen = history[earlier]?.kind === "read" ? history[earlier].value : 0;
      // Values never decrease along any linearization, so seeing less later is impossible.
      const mutated = history.map((op, i) => (i === later ? read(op.start, op.end, seen - 1) : op));
      t.false(linearizable(mutated, 0, final));
    }),
    { numRuns: 200 },
  );
});

/** 8 processes × 200 operations, ~10% reads, ~5% unknown and ~2% failed adds, with jitter. */
function bigHistory(seed: number): { history: Op[]; final: number } {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const steps: Step[] = [];
  for (let round = 0; round < 200; round++) {
    for (let process = 0; process < 8; process++) {
      const roll = random();
      steps.push({
        process,
        gap: random() * 0.5,
        duration: 1 + random() * 9,
        at: random(),
        isRead: random() < 0.1,
        delta: 1,
        outcome: roll < 0.05 ? "unknown" : roll >= 0.07,
        applied: random() < 0.5,
      });
    }
  }
  return simulate(steps, 0);
}

test("a 1,600-operation history is checked (both verdicts)", (t) => {
  for (const seed of [1, 2, 3]) {
    const { history, final } = bigHistory(seed);
    let began = performance.now();
    t.true(checkCounterHistory(history, 0, final).linearizable);
    t.log(`seed ${seed}: linearizable in ${(performance.now() - began).toFixed(0)} ms`);
    // Make a late read see less than a real-time-preceding read, giving the earlier read the
    // later one's true value so both stay within the static bounds: only the search finds it.
    const reads = history.flatMap((op, i) => (op.kind === "read" ? [{ op, i }] : []));
    const late = reads[reads.length - 5];
    const earlier = reads.filter(({ op }) => late !== undefined && op.end < late.op.start).at(-1);
    if (late?.op.kind !== "read" || earlier === undefined) return t.fail("no read pair");
    const mutated = [...history];
    mutated[earlier.i] = read(earlier.op.start, earlier.op.end, late.op.value);
    mutated[late.i] = read(late.op.start, late.op.end, late.op.value - 1);
    began = performance.now();
    const verdict = checkCounterHistory(mutated, 0, final);
    t.false(verdict.linearizable);
    t.log(
      `seed ${seed}: refuted in ${(performance.now() - began).toFixed(0)} ms: ${verdict.reason}`,
    );
  }
});

test("timed records an interval on the shared wall clock and never throws", async (t) => {
  t.true(Math.abs(now() - Date.now()) < 1000);
  const good = await timed(async () => 42);
  t.true(good.ok && good.result === 42 && good.start <= good.end);
  const bad = await timed(() => Promise.reject(new Error("boom")));
  t.true(!bad.ok && bad.error instanceof Error && bad.start <= bad.end);
});

// ---------------------------------------------------------------- fault proxy

interface Target {
  url: string;
  handled(): number;
  connections(): number;
}

async function startTarget(t: ExecutionContext): Promise<Target> {
  let handled = 0;
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handled++;
      const body = Buffer.concat(chunks);
      if (req.url === "/chunked") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.write(body.subarray(0, body.length >> 1));
        setImmediate(() => res.end(body.subarray(body.length >> 1)));
        return;
      }
      res.writeHead(200, { "content-length": body.length, "x-handled": String(handled) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    handled: () => handled,
    connections: () => connections,
  };
}

async function proxyFor(
  t: ExecutionContext,
  target: Target,
  options: { dropRate: number; seed?: number; match?: (head: string) => boolean },
): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: target.url, ...options });
  t.teardown(() => proxy.close());
  return proxy;
}

function keepAliveAgent(t: ExecutionContext): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  return agent;
}

function post(
  url: string,
  agent: http.Agent,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent, headers: { "content-length": String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const connectionError = (error: unknown): boolean =>
  error instanceof Error &&
  ((error as NodeJS.ErrnoException).code === "ECONNRESET" || /socket hang up/.test(error.message));

const payload = (size: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));

test("with drop rate 0 every response arrives intact over one keep-alive connection", async (t) => {
  const target = await startTarget(t);
  const proxy = await proxyFor(t, target, { dropRate: 0 });
  const agent = keepAliveAgent(t);
  const sizes = [0, 1, 100, 16_384, 65_535, 65_536, 200_000, 1_000_000, 7];
  for (const [i, size] of sizes.entries()) {
    const body = payload(size, i);
    const response = await post(`${proxy.endpoint}/echo`, agent, body);
    t.is(response.status, 200);
    t.true(response.body.equals(body), `body of ${size} bytes`);
  }
  const chunked = payload(150_000, 99);
  t.true((await post(`${proxy.endpoint}/chunked`, agent, chunked)).body.equals(chunked));
  t.is(target.handled(), sizes.length + 1);
  t.is(target.connections(), 1, "all requests shared one connection");
  t.deepEqual(proxy.stats(), { requests: sizes.length + 1, dropped: 0 });
});

test("with drop rate 1 every request is carried out but its client sees a reset", async (t) => {
  const target = await startTarget(t);
  const proxy = await proxyFor(t, target, { dropRate: 1 });
  const agent = keepAliveAgent(t);
  for (let i = 1; i <= 5; i++) {
    const error = await t.throwsAsync(post(proxy.endpoint, agent, payload(i * 30_000, i)));
    t.true(connectionError(error), String(error));
    t.is(target.handled(), i, "the server handled it before the client failed");
  }
  t.deepEqual(proxy.stats(), { requests: 5, dropped: 5 });
});

test("a seeded drop rate of 0.5 drops reproducibly and the counts add up", async (t) => {
  const run = async (): Promise<boolean[]> => {
    const target = await startTarget(t);
    const proxy = await proxyFor(t, target, { dropRate: 0.5, seed: 1234 });
    const agent = keepAliveAgent(t);
    const lost: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const body = payload(1000 + i, i);
      lost.push(
        await post(proxy.endpoint, agent, body).then(
          (response) => !response.body.equals(body),
          (error: unknown) => connectionError(error) || Promise.reject(error),
        ),
      );
    }
    const failures = lost.filter(Boolean).length;
    t.is(target.handled(), 40);
    t.deepEqual(proxy.stats(), { requests: 40, dropped: failures });
    t.true(failures > 0 && failures < 40);
    await proxy.close();
    return lost;
  };
  t.deepEqual(await run(), await run());
});

test("only matching requests are dropped, and the drop rate can change", async (t) => {
  const target = await startTarget(t);
  const proxy = await proxyFor(t, target, {
    dropRate: 1,
    match: (head) => /^x-kind:[ \t]*write\r?$/im.test(head),
  });
  const agent = keepAliveAgent(t);
  const body = payload(10, 0);
  t.true((await post(proxy.endpoint, agent, body, { "X-Kind": "read" })).body.equals(body));
  await t.throwsAsync(post(proxy.endpoint, agent, body, { "X-Kind": "write" }));
  proxy.setDropRate(0);
  t.true((await post(proxy.endpoint, agent, body, { "X-Kind": "write" })).body.equals(body));
  t.deepEqual(proxy.stats(), { requests: 3, dropped: 1 });
  t.is(target.handled(), 3);
  t.throws(() => proxy.setDropRate(2), { instanceOf: RangeError });
});

test("DynamoDB operations are matched by their X-Amz-Target in any case", (t) => {
  const head = "POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: DynamoDB_20120810.PutItem";
  t.is(amzTarget(head), "DynamoDB_20120810.PutItem");
  t.true(matchOperations("PutItem")(head));
  t.true(matchOperations("putitem", "GetItem")(head.replace("x-amz-target", "X-Amz-Target")));
  t.false(matchOperations("GetItem")(head));
  t.false(matchOperations("PutItem")("POST / HTTP/1.1\r\nhost: x"));
});

test("close stops listening and ends open connections", async (t) => {
  const target = await startTarget(t);
  const proxy = await startFaultProxy({ target: target.url, dropRate: 0 });
  const agent = keepAliveAgent(t);
  await post(proxy.endpoint, agent, payload(10, 0));
  const idle = Object.values(agent.freeSockets).flat();
  t.is(idle.length, 1, "the agent holds an idle keep-alive socket");
  await proxy.close();
  await proxy.close();
  const socket = connect(proxy.port, "127.0.0.1");
  const [error] = (await once(socket, "error").catch((e: unknown) => [e])) as unknown[];
  t.is((error as NodeJS.ErrnoException).code, "ECONNREFUSED");
  await Promise.all(idle.map((s) => (s === undefined || s.closed ? undefined : once(s, "close"))));
  await t.throwsAsync(startFaultProxy({ target: "http://example.com:80", dropRate: 0 }), {
    instanceOf: RangeError,
  });
});
