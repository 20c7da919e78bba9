import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";
import { clientHandle } from "../../src/executor/client.js";
import { retryPolicy } from "../../src/executor/policy.js";

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

test("a retry option that is not a usable number is refused, naming it", (t) => {
  for (const [retry, option] of [
    [{ deadlineMs: Number.NaN }, "retry.deadlineMs"],
    [{ maxAttempts: 0 }, "retry.maxAttempts"],
    [{ maxAttempts: 2.5 }, "retry.maxAttempts"],
    [{ baseDelayMs: -1 }, "retry.baseDelayMs"],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, "retry.maxDelayMs"],
    [{ deadlineMs: "30" as unknown as number }, "retry.deadlineMs"],
  ] as const) {
    const err = t.throws(() => retryPolicy(retry));
    t.true(isDynatomError(err, "store.invalid-option"), `${option}: ${String(err)}`);
    if (isDynatomError(err, "store.invalid-option")) t.is(err.details.option, option);
  }
});

test("an explicit undefined retry option keeps the default", (t) => {
  const policy = retryPolicy({ deadlineMs: 5_000 }, { deadlineMs: undefined, maxAttempts: 3 });
  t.is(policy.deadlineMs, 5_000);
  t.is(policy.maxAttempts, 3);
});

test("createStore refuses a bad retry policy at once, before any request", (t) => {
  const err = t.throws(() =>
    createStore({ table: "app", atoms: [Counter], endpoint: "aws", retry: { deadlineMs: -5 } }),
  );
  t.true(isDynatomError(err, "store.invalid-option"), String(err));
});

test("an endpoint that is not embedded, aws or an http(s) URL is refused at once, naming it", (t) => {
  for (const endpoint of ["localhost:8123", "foo", "ftp://x", "http//localhost:8000"]) {
    const err = t.throws(() => createStore({ table: "app", atoms: [Counter], endpoint }));
    t.true(isDynatomError(err, "store.invalid-endpoint"), `${endpoint}: ${String(err)}`);
    t.regex(err?.message ?? "", new RegExp(endpoint.replace(/[/.]/g, "\\$&")));
    t.regex(err?.message ?? "", /http:\/\/localhost:8000/);
  }
  for (const endpoint of [
    "embedded",
    "aws",
    "http://localhost:8000",
    "https://dynamodb.eu-west-1.amazonaws.com",
  ]) {
    t.notThrows(() => createStore({ table: "app", atoms: [Counter], endpoint }));
  }
});

test("DYNATOM_ENDPOINT is checked the same way, and named", (t) => {
  const before = process.env.DYNATOM_ENDPOINT;
  process.env.DYNATOM_ENDPOINT = "localhost:8123";
  try {
    const err = t.throws(() => createStore({ table: "app", atoms: [Counter] }));
    t.true(isDynatomError(err, "store.invalid-endpoint"));
    t.regex(err?.message ?? "", /DYNATOM_ENDPOINT/);
  } finally {
    if (before === undefined) delete process.env.DYNATOM_ENDPOINT;
    else process.env.DYNATOM_ENDPOINT = before;
  }
});

test("DYNATOM_REQUEST_TIMEOUT_MS sets the default request timeout; the option wins; junk is refused", (t) => {
  t.is(clientHandle({ endpoint: "aws" }, {}).timeoutMs, 10_000);
  t.is(clientHandle({ endpoint: "aws" }, { DYNATOM_REQUEST_TIMEOUT_MS: "2500" }).timeoutMs, 2_500);
  t.is(
    clientHandle({ endpoint: "aws", requestTimeoutMs: 700 }, { DYNATOM_REQUEST_TIMEOUT_MS: "2500" })
      .timeoutMs,
    700,
  );
  const err = t.throws(() =>
    clientHandle({ endpoint: "aws" }, { DYNATOM_REQUEST_TIMEOUT_MS: "soon" }),
  );
  t.true(isDynatomError(err, "store.invalid-option"), String(err));
  t.regex(err?.message ?? "", /DYNATOM_REQUEST_TIMEOUT_MS/);
});
