// runBatch's bookkeeping with fake requests: which entries end done, failed or unknown.
import test from "ava";
import { runBatch } from "../../src/batch/run.js";

const retry = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 };
const lost = () =>
  ({
    ok: false,
    failure: "unknown",
    error: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    mayHaveApplied: true,
  }) as const;
const ok = <T>(output: T) => ({ ok: true, output }) as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a chunk's done count is its own, whatever other chunks leave unknown meanwhile", async (t) => {
  const progress: number[] = [];
  const outcome = await runBatch({
    entries: ["a1", "a2", "b1", "b2"],
    idOf: (id) => id,
    chunkSize: 2,
    concurrency: 2,
    retry,
    onDone: (done) => progress.push(done),
    attempt: async (entries) => {
      if (entries[0] === "a1") {
        await sleep(50);
        return ok([]);
      }
      return lost();
    },
    settle: async (entries) => ok({ done: [], unknown: [...entries] }),
  });
  t.is(outcome.done, 2);
  t.deepEqual([...outcome.unknown].sort(), ["b1", "b2"]);
  t.deepEqual(outcome.failed, []);
  t.deepEqual(progress, [2]);
});

test("a refused read after a lost answer leaves that chunk unknown and stops nothing else", async (t) => {
  let sends = 0;
  const outcome = await runBatch({
    entries: ["e1", "e2", "e3"],
    idOf: (id) => id,
    chunkSize: 1,
    concurrency: 1,
    retry,
    attempt: async () => {
      if (++sends === 1) return lost();
      return ok([]);
    },
    settle: async () => ({
      ok: false,
      failure: "definite",
      error: Object.assign(new Error("not allowed to read"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
      mayHaveApplied: false,
    }),
  });
  t.false(outcome.stopped);
  t.deepEqual(outcome.unknown, ["e1"]);
  t.is(outcome.done, 2);
});

test("out of retries right after a lost answer, one read still settles the chunk", async (t) => {
  let settles = 0;
  const outcome = await runBatch({
    entries: ["x", "y", "z"],
    idOf: (id) => id,
    chunkSize: 3,
    concurrency: 1,
    retry: { ...retry, maxAttempts: 1 },
    attempt: async () => lost(),
    settle: async () => {
      settles++;
      return ok({ done: ["x"], unknown: ["y"] });
    },
  });
  t.is(settles, 1);
  t.is(outcome.done, 1);
  t.deepEqual(outcome.unknown, ["y"]);
  t.deepEqual(outcome.failed, ["z"]);
});
