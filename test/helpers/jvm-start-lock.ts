import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";

/**
 * The file whose lock lets one test at a time start a JVM. Unset, one file per user for the
 * whole machine: two test runs at once pace each other's starts too.
 */
export const JVM_LOCK_ENV = "DYNATOM_TEST_JVM_LOCK";

/**
 * Runs `fn` while no other test of the run, in any worker process, is starting a DynamoDB Local.
 * On two cores, eight JVMs starting at once beside the other test files took more than 30 s to
 * answer; one at a time, each takes a few seconds. Hold it from before the start until the
 * server answers (or for the whole test, when a child process starts the server).
 */
export async function oneJvmStartAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const file =
    process.env[JVM_LOCK_ENV] ??
    join(tmpdir(), `dynatom-test-jvm-start-${process.getuid?.() ?? 0}`);
  writeFileSync(file, "", { flag: "a" });
  const release = await lockfile.lock(file, {
    realpath: false,
    // A holder that died (a killed worker) frees the lock once its heartbeat is this old.
    stale: 30_000,
    retries: { retries: 100_000, minTimeout: 50, maxTimeout: 250, factor: 1.5 },
    // A worker whose event loop stalls past `stale` must not crash: the lock only paces starts.
    onCompromised: () => {},
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
