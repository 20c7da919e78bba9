import test from "ava";
import { DynatomError, isDynatomError } from "dynatom";

const busy = () =>
  new DynatomError("local.port-busy", "Port 1 is busy", {
    details: { port: 1 },
    cause: new Error("EADDRINUSE"),
  });

test("a DynatomError carries code, details, retryable and cause", (t) => {
  const err = busy();
  t.true(err instanceof Error);
  t.is(err.name, "DynatomError");
  t.is(err.code, "local.port-busy");
  t.deepEqual(err.details, { port: 1 });
  t.false(err.retryable);
  t.is((err.cause as Error).message, "EADDRINUSE");
});

test("isDynatomError narrows by exact code and by family prefix", (t) => {
  const err: unknown = busy();
  t.true(isDynatomError(err));
  t.true(isDynatomError(err, "local.port-busy"));
  t.true(isDynatomError(err, "local"));
  t.true(isDynatomError(err, "local."));
  t.false(isDynatomError(err, "local.java-missing"));
  t.false(isDynatomError(err, "loc"));
  t.false(isDynatomError(new Error("x"), "local"));
  if (isDynatomError(err, "local.port-busy")) t.is(err.details.port, 1);
});
