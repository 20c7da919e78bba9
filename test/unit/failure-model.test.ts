// The executor's classification and the protocol's verdicts, apart from any request.
import test from "ava";
import { classify, requestFailed } from "../../src/executor/classify.js";
import { retrying } from "../../src/executor/loop.js";
import {
  afterConflict,
  afterRefusal,
  batchDeleteVerdict,
  batchPutVerdict,
} from "../../src/protocol/settle.js";
import type { Seen } from "../../src/protocol/state.js";

const answered = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const network = (code: string) => Object.assign(new Error(code), { code });

test("each failure is classified by what reached the wire", (t) => {
  t.is(classify(answered("ConditionalCheckFailedException", 400), true), "conflict");
  t.is(classify(answered("ThrottlingException", 400), true), "throttled");
  t.is(classify(answered("ProvisionedThroughputExceededException", 400), true), "throttled");
  t.is(classify(answered("TransactionConflictException", 400), true), "busy");
  t.is(classify(answered("TransactionInProgressException", 400), true), "unknown");
  t.is(classify(answered("ValidationException", 400), true), "definite");
  t.is(classify(answered("InternalServerError", 500), true), "unknown");
  t.is(classify(network("ECONNREFUSED"), true), "unreachable");
  t.is(classify(network("ENOTFOUND"), false), "unreachable");
  t.is(classify(network("ECONNRESET"), true), "unknown");
  // Whatever fails before the HTTP handler is reached sent nothing.
  t.is(classify(network("ECONNRESET"), false), "unreachable");
  t.is(classify(answered("InternalServerError", 500), false), "unreachable");
  const noCredentials = Object.assign(new Error("Could not load credentials"), {
    name: "CredentialsProviderError",
  });
  t.is(classify(noCredentials, false), "definite");
  t.is(classify(new Error("socket hang up"), true), "unknown");
});

test("request-failed is retryable unless refused", (t) => {
  t.false(requestFailed(answered("ValidationException", 400), "PutItem", "app").retryable);
  t.true(requestFailed(network("ECONNREFUSED"), "PutItem", "app", "unreachable").retryable);
  t.true(requestFailed(answered("ThrottlingException", 400), "GetItem", "app").retryable);
  const missing = requestFailed(answered("ResourceNotFoundException", 400), "GetItem", "app");
  t.is(missing.code, "store.table-missing");
});

const seen = (version: number, writes: string[]): Seen => ({
  exists: true,
  version,
  writes,
  value: {},
});
const absent: Seen = { exists: false, version: 0, writes: [], value: undefined };

test("after a conflict: listed is applied; another write in our slot is not; else unknown", (t) => {
  const basis = seen(3, ["w1", "w2", "w3"]);
  t.is(afterConflict(basis, "ours", true, seen(4, ["w1", "w2", "w3", "ours"])), "applied");
  t.is(afterConflict(basis, "ours", true, seen(4, ["w1", "w2", "w3", "theirs"])), "not-applied");
  // Deleted and made again: the basis's last write is gone, nothing is proven.
  t.is(afterConflict(basis, "ours", true, seen(1, ["new"])), "unknown");
  t.is(afterConflict(basis, "ours", true, absent), "unknown");
  // A write that created the item has no basis write to descend from.
  t.is(afterConflict(absent, "ours", true, seen(1, ["theirs"])), "unknown");
  // Nothing was uncertain: a plain conflict.
  t.is(afterConflict(absent, "ours", false, seen(1, ["theirs"])), "not-applied");
});

test("after a refusal: an item still at the basis proves nothing (a cut attempt may land)", (t) => {
  const basis = seen(3, ["w1", "w2", "w3"]);
  t.is(afterRefusal(basis, "ours", seen(3, ["w1", "w2", "w3"])), "unknown");
  t.is(afterRefusal(basis, "ours", seen(4, ["w1", "w2", "w3", "theirs"])), "not-applied");
  t.is(afterRefusal(basis, "ours", seen(5, ["w2", "w3", "ours", "x"])), "applied");
});

test("a batch put read back: listed is applied, anything else cannot be told", (t) => {
  const ids = (list: string[]) => ({ _writes: { L: list.map((S) => ({ S })) } });
  t.is(batchPutVerdict("b1", ids(["b1", "s1"])), "applied");
  t.is(batchPutVerdict("b1", ids(["s1"])), "unknown");
  t.is(batchPutVerdict("b1", undefined), "unknown");
  const full = Array.from({ length: 32 }, (_, i) => `s${i}`);
  t.is(batchPutVerdict("b1", ids(full)), "unknown");
  t.is(batchDeleteVerdict(undefined, false), "applied");
  t.is(batchDeleteVerdict(undefined, true), "unknown");
  t.is(batchDeleteVerdict({}, false), "unknown");
});

test("the retry loop stops at the deadline and tells each attempt how long it has left", async (t) => {
  const lefts: number[] = [];
  const policy = { maxAttempts: 1_000, baseDelayMs: 5, maxDelayMs: 5, deadlineMs: 60 };
  const last = await retrying(
    policy,
    async (clock) => {
      lefts.push(clock.left());
      return { again: "busy" };
    },
    (exhausted) => exhausted,
  );
  t.true(last.attempts < 1_000, "the deadline ended it, not the attempts");
  t.true(lefts.every((left) => left >= 1 && left <= 60));
  t.true((lefts.at(-1) ?? 60) < (lefts[0] ?? 0));
  t.is(last.why, "busy");
});

test("progress starts the attempts afresh; `now` runs again at once, still counted", async (t) => {
  let calls = 0;
  const result = await retrying(
    { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, deadlineMs: 10_000 },
    async () => {
      calls++;
      if (calls < 6) return { again: "partial", progress: true };
      if (calls < 8) return { again: "stale", now: true };
      return { done: calls };
    },
    () => -1,
  );
  t.is(result, 8);
});
