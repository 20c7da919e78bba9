// Type tests: compiled by `tsc -p test/types` in `npm test`; lines under @ts-expect-error must fail.
import { DynatomError, isDynatomError, type LocalErrorDetails } from "dynatom";

declare const err: unknown;

if (isDynatomError(err, "local.port-busy")) {
  const port: number = err.details.port;
  void port;
  // @ts-expect-error: port-busy has no `output`
  void err.details.output;
}

if (isDynatomError(err, "local")) {
  const code: keyof LocalErrorDetails = err.code;
  void code;
  // @ts-expect-error: not a local code
  const wrong: "encoding.circular" = err.code;
  void wrong;
}

// @ts-expect-error: unknown codes do not compile
new DynatomError("no.such-code", "x", { details: {} });

// @ts-expect-error: details must match the code
new DynatomError("local.port-busy", "x", { details: { output: "" } });
