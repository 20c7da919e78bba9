import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { isDynatomError } from "dynatom";
import { localClientConfig, type StartLocalOptions, startLocal } from "dynatom/local";
import { alive, eventually, firstJsonLine, spawnChild } from "../helpers/children.js";
import { oneJvmStartAtATime } from "../helpers/jvm-start-lock.js";

/** Starts a real DynamoDB Local, one start at a time across the run. */
const start = (options?: StartLocalOptions) => oneJvmStartAtATime(() => startLocal(options));

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** A fresh class-data folder, removed when the test ends (each holds ≈ 35 MB). */
async function classDataFolder(t: import("ava").ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dynatom-cds-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The command line a process was started with (Linux). */
function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
}

async function fakeJava(body: string): Promise<{ java: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "dynatom-fake-java-"));
  const java = join(dir, "java");
  await writeFile(java, `#!/bin/sh\necho $$ > "${dir}/pid"\n${body}\n`);
  await chmod(java, 0o755);
  return { java, dir };
}

test("starts, answers the API, and stop() ends the JVM and frees its port", async (t) => {
  const local = await start();
  t.regex(local.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  const tables = await client.send(new ListTablesCommand({}));
  t.deepEqual(tables.TableNames, []);
  client.destroy();
  t.true(alive(local.pid));
  await local.stop();
  await local.stop(); // twice is fine
  t.false(alive(local.pid));
  t.true(await portIsFree(local.port));
});

test("two instances run side by side, each with its own data", async (t) => {
  const a = await start();
  const b = await start();
  t.not(a.port, b.port);
  const clientA = new DynamoDBClient(localClientConfig(a.endpoint));
  const clientB = new DynamoDBClient(localClientConfig(b.endpoint));
  await clientA.send(
    new CreateTableCommand({
      TableName: "only-in-a",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  t.deepEqual((await clientA.send(new ListTablesCommand({}))).TableNames, ["only-in-a"]);
  t.deepEqual((await clientB.send(new ListTablesCommand({}))).TableNames, []);
  clientA.destroy();
  clientB.destroy();
  await Promise.all([a.stop(), b.stop()]);
  t.false(alive(a.pid) || alive(b.pid));
});

test("a busy port gives local.port-busy, whoever holds it", async (t) => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "0.0.0.0" }, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const err = await t.throwsAsync(startLocal({ port }));
  t.true(isDynatomError(err, "local.port-busy"), String(err));
  t.regex(err?.message ?? "", new RegExp(`Port ${port} is already in use`));
  server.close();

  const first = await start();
  const again = await t.throwsAsync(startLocal({ port: first.port }));
  t.true(isDynatomError(again, "local.port-busy"));
  await first.stop();
});

test("dataDir keeps the data across a stop and a restart", async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), "dynatom-data-"));
  const first = await start({ dataDir });
  let client = new DynamoDBClient(localClientConfig(first.endpoint));
  await client.send(
    new CreateTableCommand({
      TableName: "kept",
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
  await client.send(
    new PutItemCommand({ TableName: "kept", Item: { pk: { S: "a" }, n: { N: "42" } } }),
  );
  client.destroy();
  await first.stop();

  const second = await start({ dataDir });
  client = new DynamoDBClient(localClientConfig(second.endpoint));
  const got = await client.send(
    new GetItemCommand({ TableName: "kept", Key: { pk: { S: "a" } }, ConsistentRead: true }),
  );
  t.deepEqual(got.Item, { pk: { S: "a" }, n: { N: "42" } });
  client.destroy();
  await second.stop();
});

test("the JVM ends when the Node process that started it is killed (SIGKILL)", async (t) => {
  const child = spawnChild("local-then-wait");
  const { pid, port } = await oneJvmStartAtATime(() =>
    firstJsonLine<{ pid: number; port: number }>(child),
  );
  t.true(alive(pid));
  child.kill("SIGKILL");
  t.true(await eventually(() => !alive(pid)), "the JVM outlived its parent");
  t.true(await eventually(() => portIsFree(port)));
});

test("the JVM ends when the Node process that started it exits on its own", async (t) => {
  const { pid } = await oneJvmStartAtATime(() =>
    firstJsonLine<{ pid: number }>(spawnChild("local-then-wait", ["exit"])),
  );
  t.true(await eventually(() => !alive(pid)), "the JVM outlived its parent");
});

test("no java on PATH gives local.java-missing saying how to install it", async (t) => {
  const emptyDir = await mkdtemp(join(tmpdir(), "dynatom-no-java-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: emptyDir };
  delete env.JAVA_HOME;
  const child = spawnChild("local-then-wait", [], env);
  const out = await firstJsonLine<{ code: string; message: string }>(child);
  t.is(out.code, "local.java-missing");
  t.regex(out.message, /apt-get install -y openjdk-17-jre-headless/);
  t.regex(out.message, /DYNATOM_ENDPOINT/);
});

test("Java older than 17 gives local.java-missing naming the version found", async (t) => {
  const { java } = await fakeJava(`echo 'openjdk version "11.0.20" 2023-07-18' >&2`);
  const err = await t.throwsAsync(startLocal({ java, classDataDir: false }));
  t.true(isDynatomError(err, "local.java-missing"));
  if (isDynatomError(err, "local.java-missing")) t.is(err.details.found, "11");
  t.regex(err?.message ?? "", /Java 17\+ is needed, but .* is Java 11/);
});

test("a server that never answers times out with its last output, and is ended", async (t) => {
  const { java, dir } = await fakeJava(
    `if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.9"' >&2; exit 0; fi
echo "warming up the flux capacitor"
exec sleep 60`,
  );
  const err = await t.throwsAsync(startLocal({ java, startTimeoutMs: 1_500, classDataDir: false }));
  t.true(isDynatomError(err, "local.start-timeout"));
  t.regex(err?.message ?? "", /within 1500 ms/);
  t.regex(err?.message ?? "", /warming up the flux capacitor/);
  const pid = Number((await readFile(join(dir, "pid"), "utf8")).trim());
  t.false(alive(pid), "the stuck process was left running");
});

test("a JVM that dies while starting gives local.exited with its output", async (t) => {
  const { java } = await fakeJava(
    `if [ "$1" = "-version" ]; then echo 'openjdk version "21.0.1"' >&2; exit 0; fi
echo "Error: Unable to access jarfile" >&2
exit 1`,
  );
  const err = await t.throwsAsync(startLocal({ java, classDataDir: false }));
  t.true(isDynatomError(err, "local.exited"));
  t.regex(err?.message ?? "", /Unable to access jarfile/);
});

test("an aborted start gives local.aborted", async (t) => {
  const controller = new AbortController();
  const err = await oneJvmStartAtATime(() => {
    const starting = startLocal({ signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    return t.throwsAsync(starting);
  });
  t.true(isDynatomError(err, "local.aborted"));
});

test("the first start writes a class-data archive that later starts use", async (t) => {
  const classDataDir = await classDataFolder(t);
  const first = await start({ classDataDir });
  await first.stop();
  const [folder] = await readdir(classDataDir);
  t.truthy(folder);
  const archive = join(classDataDir, folder ?? "", "classes.jsa");
  t.true((await stat(archive)).size > 1_000_000, "no archive was kept");
  const second = await start({ classDataDir });
  t.true(
    commandLine(second.pid).includes(`-XX:SharedArchiveFile=${archive}`),
    "the second start did not use the archive",
  );
  const client = new DynamoDBClient(localClientConfig(second.endpoint));
  t.deepEqual((await client.send(new ListTablesCommand({}))).TableNames, []);
  client.destroy();
  await second.stop();
});

test("a damaged archive is dropped and the server starts all the same", async (t) => {
  const classDataDir = await classDataFolder(t);
  await (await start({ classDataDir })).stop();
  const [folder] = await readdir(classDataDir);
  const archive = join(classDataDir, folder ?? "", "classes.jsa");
  await chmod(archive, 0o644);
  await truncate(archive, 100_000);
  const local = await start({ classDataDir });
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  t.deepEqual((await client.send(new ListTablesCommand({}))).TableNames, []);
  client.destroy();
  await local.stop();
  t.true((await stat(archive)).size > 1_000_000, "the archive was not written again");
});

test("a class-data folder that cannot be made only costs speed", async (t) => {
  const file = join(await classDataFolder(t), "a-file");
  await writeFile(file, "not a folder");
  const local = await start({ classDataDir: join(file, "cache") });
  t.false(commandLine(local.pid).includes("SharedArchive"));
  const client = new DynamoDBClient(localClientConfig(local.endpoint));
  t.deepEqual((await client.send(new ListTablesCommand({}))).TableNames, []);
  client.destroy();
  await local.stop();
});

test("two starts on one port at once: one server, the other gets local.port-busy", async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen({ port: 0, host: "0.0.0.0" }, resolve));
  const address = probe.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise((resolve) => probe.close(resolve));
  const results = await oneJvmStartAtATime(() =>
    Promise.allSettled([startLocal({ port }), startLocal({ port })]),
  );
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  t.is(started.length, 1, "both starts resolved");
  t.true(isDynatomError(refused[0], "local.port-busy"), String(refused[0]));
  const [local] = started;
  if (local === undefined) return;
  t.true(alive(local.pid), "the server handed out is not running");
  await local.stop();
  t.true(await eventually(() => portIsFree(port)));
});
