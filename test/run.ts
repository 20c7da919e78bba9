/**
 * `npm test`: starts ONE DynamoDB Local for the whole run, hands its endpoint to AVA's workers
 * (each test file makes its own table on it), then stops it, also when tests fail or the run is
 * interrupted; then type-checks `test/types`. Arguments go to AVA and skip the type tests, e.g.
 * `npm test -- test/unit/errors.test.ts`.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startLocal } from "dynatom/local";
import { TEST_ENDPOINT_ENV } from "./helpers/env.js";
import { oneJvmStartAtATime } from "./helpers/jvm-start-lock.js";

const require = createRequire(import.meta.url);
// AVA exports no package.json; its CLI sits beside its main entry point.
const avaCli = join(dirname(require.resolve("ava")), "cli.mjs");
const tscCli = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");

let interrupted: NodeJS.Signals | undefined;

/** Runs a Node script; what it prints goes through to ours and is also handed to `seen`. */
function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  seen: (text: string) => void = () => {},
): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: ["inherit", "pipe", "inherit"], env });
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    seen(chunk.toString());
  });
  const forward = (signal: NodeJS.Signals) => {
    interrupted = signal;
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

const started = Date.now();
const local = await oneJvmStartAtATime(() => startLocal());
console.log(`DynamoDB Local for this run: ${local.endpoint} (pid ${local.pid})`);
const env = {
  ...process.env,
  [TEST_ENDPOINT_ENV]: local.endpoint,
  // Node 20 is supported by dynatom; the SDK's notice about its own future releases is noise here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  // On a loaded 2-core machine DynamoDB Local can take seconds to answer: a timeout there would
  // turn a clean request into a lost answer and change what a test sees. Tests that want a
  // timeout pass requestTimeoutMs themselves.
  DYNATOM_REQUEST_TIMEOUT_MS: process.env.DYNATOM_REQUEST_TIMEOUT_MS ?? "120000",
};
let code = 1;
let avaOutput = "";
try {
  code = await run([avaCli, ...process.argv.slice(2)], env, (text) => {
    avaOutput += text;
  });
} finally {
  await local.stop();
}
if (code === 0 && !interrupted && process.argv.length <= 2) {
  console.log("Type tests: tsc -p test/types");
  code = await run([tscCli, "-p", "test/types/tsconfig.json"], env);
}
// AVA's closing lines ("17 tests passed", "1 test failed", …) as one plain line for any log reader.
const count = (what: RegExp) => Number(what.exec(avaOutput)?.[1] ?? 0);
// With failures AVA prints no "passed" line; its ✔ lines still count what passed.
const passed =
  count(/^\s*(\d+) tests? passed/m) ||
  (avaOutput.match(/^\s*✔(?! \[(?:skip|todo)\])/gm)?.length ?? 0);
const failed =
  count(/^\s*(\d+) tests? failed/m) +
  count(/^\s*(\d+) uncaught exceptions?/m) +
  count(/^\s*(\d+) unhandled rejections?/m);
const skipped = count(/^\s*(\d+) tests? skipped/m) + count(/^\s*(\d+) tests? todo/m);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
const took = ((Date.now() - started) / 1000).toFixed(1);
console.log(`DynamoDB Local stopped; the run took ${took} s`);
if (interrupted) {
  console.log(`Interrupted by ${interrupted}: the run is not green.`);
  code = 130;
}
process.exit(code);
