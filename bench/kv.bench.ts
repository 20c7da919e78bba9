// The key-value facade (store.kv) against what a user writes by hand on the bare SDK
// (bench/kv-raw.ts), each side on tables of its own without a stream (DynamoDB Local slows
// writes to stream tables):
// - appends: `kv.append("events", small value)` in a sequential loop against a plain PutItem
//   with attribute_not_exists(pk), its seq counted in memory;
// - a 16 MB blob written (`kv.setBlob`) and read (`kv.getBlob`, `kv.openBlob().stream`) against
//   384 KiB chunks put by hand 4 at a time plus a manifest, read back with consistent GetItems
//   4 ahead and a sha-256 check. Each write goes to a new name and is deleted after it, untimed
//   (so ops/s, which counts the whole run, is lower than 1000 / median there; MB/s in the notes
//   is from the median). One row replaces the same blob again and again, as an application
//   does: its time includes removing the old chunks;
// - a 100 MB blob streamed (made on the fly) into the blob and read back as a stream, in a child
//   process of its own (bench/kv-worker.ts) so that its peak resident memory above what it held
//   before shows; the time is the child's write and read, start-up excluded.
// Ratios are of median times: above 1 is slower (the throughput ratio is its inverse).
// BENCH_QUICK=1: a 4 MB blob and a 20 MB one.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createStore } from "dynatom";
import {
  type BenchCase,
  counting,
  createKeyedTable,
  defineSuite,
  endpointOf,
  sameClient,
} from "./harness.js";
import {
  rawDeleteBlob,
  rawGetBlob,
  rawLog,
  rawOpenBlob,
  rawSetBlob,
  type SmallEvent,
} from "./kv-raw.js";
import type { KvWorkerArgs, KvWorkerReport } from "./kv-worker.js";

const quick = process.env.BENCH_QUICK === "1";
/** Rounds of this suite (bench/run.ts reads it): each blob run moves megabytes. */
export const rounds = quick ? 1 : 3;
const BLOB_MB = quick ? 4 : 16;
const BIG_MB = quick ? 20 : 100;
const MB = 1024 * 1024;

const worker = fileURLToPath(new URL("kv-worker.ts", import.meta.url));

/** Runs the memory child; resolves to its report, or fails with its stderr. */
function child(args: KvWorkerArgs): Promise<KvWorkerReport> {
  const proc = spawn(
    process.execPath,
    ["--import=tsx", "--conditions=dynatom-source", "--expose-gc", worker, JSON.stringify(args)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  proc.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    proc.once("error", reject);
    proc.once("close", (code) => {
      const line = stdout.trim().split("\n").at(-1);
      if (code !== 0 || !line) reject(new Error(`kv worker (${args.mode}): ${stderr}`));
      else resolve(JSON.parse(line) as KvWorkerReport);
    });
  });
}

export default defineSuite({
  name: "kv",
  async setup({ client, table }) {
    const endpoint = (await endpointOf(client)) as string;
    // Each side counts its own requests.
    const raw = await sameClient(client);
    const rawSent = counting(raw);
    const own = await sameClient(client);
    const kvSent = counting(own);
    const kvLogTable = `${table}-kv-log`;
    const kvBlobTable = `${table}-kv-blob`;
    const rawLogTable = `${table}-raw-log`;
    const rawBlobTable = table;
    const logStore = createStore({ table: kvLogTable, atoms: [], client: own });
    const blobStore = createStore({ table: kvBlobTable, atoms: [], client: own });
    await logStore.ensureTable({ stream: false });
    await blobStore.ensureTable({ stream: false });
    await createKeyedTable(client, rawLogTable, "N");
    const events = logStore.kv("bench");
    const blobs = blobStore.kv("bench");

    // A log reads back what was appended, in order (not timed; the loop below checks seqs).
    for (let i = 0; i < 5; i++) await events.append("check", { i });
    const read: unknown[] = [];
    for await (const entry of events.log("check", { from: 1, limit: 3 })) read.push(entry.value);
    if (JSON.stringify(read) !== JSON.stringify([{ i: 1 }, { i: 2 }, { i: 3 }]))
      throw new Error(`kv.log read ${JSON.stringify(read)}`);

    // Appends.
    const appendRaw = rawLog(raw, rawLogTable, "events");
    let n = 0;
    const small = (): SmallEvent => ({ type: "click", user: `u-${n % 100}`, n: n++ });
    let expected = 0;
    const perAppend = { kv: 0, kvRequests: 0 };
    const appendBase = "raw PutItem attribute_not_exists(pk), seq in memory";
    const appends: BenchCase[] = [
      {
        name: appendBase,
        baseline: appendBase,
        note: "plain item {pk: log, sk: seq, …value, at}",
        perRound: 300,
        warmup: 100,
        run: () => appendRaw(small()),
      },
      {
        name: 'kv.append("events", small value)',
        baseline: appendBase,
        perRound: 300,
        warmup: 100,
        get note() {
          return perAppend.kv === 0
            ? ""
            : `${(perAppend.kvRequests / perAppend.kv).toFixed(2)} requests/append`;
        },
        run: async () => {
          const before = kvSent.n;
          const { seq } = await events.append("events", small());
          perAppend.kvRequests += kvSent.n - before;
          perAppend.kv++;
          if (seq !== expected) throw new Error(`kv.append gave seq ${seq}, not ${expected}`);
          expected++;
        },
      },
    ];

    // Timings of the blob rows, kept here for their MB/s and requests.
    const times = new Map<string, number[]>();
    const requests = new Map<string, number[]>();
    const median = (list: readonly number[] | undefined) => {
      const sorted = [...(list ?? [])].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    };
    const timedRun = async (
      name: string,
      sent: { n: number },
      run: () => Promise<unknown>,
    ): Promise<number> => {
      const before = sent.n;
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      times.set(name, [...(times.get(name) ?? []), ms]);
      requests.set(name, [...(requests.get(name) ?? []), sent.n - before]);
      return ms;
    };
    const BLOB_WARMUP = 1;
    /** MB/s from the median of the measured runs (warm-up left out, as the harness does). */
    const rate = (name: string, mb: number) => {
      const ms = median(times.get(name)?.slice(BLOB_WARMUP));
      if (Number.isNaN(ms)) return "";
      return `${(mb / (ms / 1000)).toFixed(1)} MB/s, ${median(requests.get(name))} requests`;
    };
    const blobCase = (
      name: string,
      baseline: string,
      sent: { n: number },
      run: () => Promise<unknown>,
      after?: () => Promise<unknown>,
    ): BenchCase => ({
      name,
      baseline,
      perRound: 2,
      warmup: BLOB_WARMUP,
      get note() {
        return rate(name, BLOB_MB);
      },
      run: () => undefined,
      timed: async () => {
        const ms = await timedRun(name, sent, run);
        await after?.();
        return ms;
      },
    });

    // Blob writes: each to a new name, deleted afterwards (untimed).
    const source = new Uint8Array(randomBytes(BLOB_MB * MB));
    let written = 0;
    let rawLast: Awaited<ReturnType<typeof rawSetBlob>> | undefined;
    let kvLast = "";
    const writeBase = `raw 384 KiB PutItems ×4 + manifest, ${BLOB_MB} MB`;
    const writes: BenchCase[] = [
      blobCase(
        writeBase,
        writeBase,
        rawSent,
        async () => {
          rawLast = await rawSetBlob(raw, rawBlobTable, `w-${written++}`, source);
        },
        () => rawDeleteBlob(raw, rawBlobTable, rawLast as NonNullable<typeof rawLast>),
      ),
      blobCase(
        `kv.setBlob ${BLOB_MB} MB (Uint8Array), new name`,
        writeBase,
        kvSent,
        async () => {
          kvLast = `w-${written++}`;
          const info = await blobs.setBlob(kvLast, source);
          if (info.size !== source.length) throw new Error(`setBlob stored ${info.size} bytes`);
        },
        () => blobs.deleteBlob(kvLast),
      ),
      blobCase(
        `kv.setBlob ${BLOB_MB} MB over the same name (old chunks removed)`,
        writeBase,
        kvSent,
        () => blobs.setBlob("replaced", source),
      ),
    ];

    // Blob reads: the same blob each run, written once on each side.
    await rawSetBlob(raw, rawBlobTable, "read", source);
    await blobs.setBlob("read", source);
    const same = (side: string, bytes: Uint8Array | undefined) => {
      if (bytes === undefined || !Buffer.from(source).equals(bytes))
        throw new Error(`${side} did not read back the bytes written`);
    };
    same("raw read", await rawGetBlob(raw, rawBlobTable, "read"));
    same("kv.getBlob", await blobs.getBlob("read"));
    const readBase = `raw GetItem ×4 ahead + sha-256, ${BLOB_MB} MB into one buffer`;
    const check = (size: number | undefined) => {
      if (size !== source.length) throw new Error(`read ${size} bytes, not ${source.length}`);
    };
    const reads: BenchCase[] = [
      blobCase(readBase, readBase, rawSent, async () =>
        check((await rawGetBlob(raw, rawBlobTable, "read"))?.length),
      ),
      blobCase(`kv.getBlob ${BLOB_MB} MB`, readBase, kvSent, async () =>
        check((await blobs.getBlob("read"))?.length),
      ),
      blobCase(`kv.openBlob().stream ${BLOB_MB} MB, consumed`, readBase, kvSent, async () => {
        const blob = await blobs.openBlob("read");
        let size = 0;
        for await (const chunk of blob?.stream ?? []) size += chunk.length;
        check(size);
      }),
      blobCase(`raw chunks ${BLOB_MB} MB, consumed (no buffer)`, readBase, rawSent, async () => {
        const blob = await rawOpenBlob(raw, rawBlobTable, "read");
        let size = 0;
        for await (const chunk of blob?.stream ?? []) size += chunk.length;
        check(size);
      }),
    ];

    // Peak memory: 100 MB streamed in and out, in a child process each run.
    const peaks = new Map<string, number[]>();
    const phases = new Map<string, { write: number[]; read: number[] }>();
    let runs = 0;
    const memoryCase = (name: string, baseline: string, mode: "kv" | "raw"): BenchCase => ({
      name,
      baseline,
      perRound: 1,
      warmup: 0,
      get note() {
        const peak = peaks.get(name);
        const phase = phases.get(name);
        if (peak === undefined || phase === undefined) return "";
        const speed = (ms: number) => (BIG_MB / (ms / 1000)).toFixed(1);
        return (
          `peak RSS +${Math.max(...peak).toFixed(0)} MB (max of ${peak.length}); ` +
          `write ${speed(median(phase.write))} MB/s, read ${speed(median(phase.read))} MB/s`
        );
      },
      run: () => undefined,
      timed: async () => {
        const report = await child({
          endpoint,
          table: mode === "kv" ? kvBlobTable : rawBlobTable,
          mode,
          name: `big-${runs++}`,
          mb: BIG_MB,
        });
        peaks.set(name, [...(peaks.get(name) ?? []), report.peakAboveMb]);
        const phase = phases.get(name) ?? { write: [], read: [] };
        phase.write.push(report.writeMs);
        phase.read.push(report.readMs);
        phases.set(name, phase);
        return report.writeMs + report.readMs;
      },
    });
    const memoryBase = `raw streamed write + read, ${BIG_MB} MB (child)`;
    const memory: BenchCase[] = [
      memoryCase(memoryBase, memoryBase, "raw"),
      memoryCase(`kv.setBlob(stream) + openBlob().stream, ${BIG_MB} MB (child)`, memoryBase, "kv"),
    ];

    return [...appends, ...writes, ...reads, ...memory];
  },
});
