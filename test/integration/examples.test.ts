// Every folder in examples/ is a runnable scenario: each must run to the end without error.
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import test from "ava";
import { alive } from "../helpers/children.js";
import { runCli } from "../helpers/cli.js";
import { TEST_ENDPOINT_ENV } from "../helpers/env.js";
import { oneJvmStartAtATime } from "../helpers/jvm-start-lock.js";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));

function runExample(name: string, env: NodeJS.ProcessEnv) {
  const script = `${examplesDir}${name}/index.ts`;
  const child = spawn(process.execPath, ["--import=tsx", "--conditions=dynatom-source", script], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, output })),
  );
}

const names = (await readdir(examplesDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

for (const name of names) {
  test(`examples/${name} runs against the run's DynamoDB Local`, async (t) => {
    const endpoint = process.env[TEST_ENDPOINT_ENV];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DYNATOM_TABLE: `example-${name}-${process.pid}`,
    };
    if (endpoint) env.DYNATOM_ENDPOINT = endpoint;
    const { code, output } = await runExample(name, env);
    t.is(code, 0, output);
  });
}

test("the demo on its own embedded DynamoDB Local leaves no JVM behind", async (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DYNATOM_ENDPOINT;
  delete env.DYNATOM_TABLE;
  // The demo starts its own server: it takes the run's turn to start one.
  const { code, output } = await oneJvmStartAtATime(() => runExample("demo", env));
  t.is(code, 0, output);
  const pid = Number(/JVM pid (\d+)\)/.exec(output)?.[1]);
  t.true(pid > 0, output);
  t.false(alive(pid));
  t.regex(output, /counter: 400 \(expected exactly 400\) ✓/);
});

test("examples/codegen/atoms.gen.ts is what dynatom codegen makes of its schema files (--check)", async (t) => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const run = await runCli(
    ["codegen", "examples/codegen/atoms", "--out", "examples/codegen/atoms.gen.ts", "--check"],
    { cwd: root },
  );
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /examples\/codegen\/atoms\.gen\.ts is up to date \(2 schema files\)/);
});
