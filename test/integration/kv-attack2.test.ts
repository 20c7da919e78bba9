import { type AttributeValue, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test, { type ExecutionContext } from "ava";
import { createStore, isDynatomError, type KeyValue } from "dynatom";
import { finished, lastJsonLine, spawnChild } from "../helpers/children.js";
import {
  codeOf,
  freshNs,
  kvRig,
  lost,
  lostThenThrottled,
  type Rig,
  type RigOptions,
  rawItems,
  throttled,
} from "../helpers/kv-rig.js";
import { answered } from "../helpers/sdk-errors.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let table = "";

test.before(async () => {
  table = dynamo().tableName("kv2");
  await createStore({ table, atoms: [], client: dynamo().client }).ensureTable({ stream: false });
});

/** A rig on this file's table. */
function rig(t: ExecutionContext, options: RigOptions = {}): Rig {
  return kvRig(t, dynamo().endpoint, table, options);
}

/** This file's raw items whose sort key starts with `skPrefix`. */
const rawItemsHere = (skPrefix: string) => rawItems(dynamo().client, table, skPrefix);

/** Chunk items of blob `name` in `ns`, by generation. */
async function chunksByGeneration(ns: string, name: string) {
  const items = await rawItemsHere("$dynatom-kvchunk_1");
  const out = new Map<string, number[]>();
  for (const i of items) {
    if (i.ns?.S !== ns || i.name?.S !== name) continue;
    const gen = i.generation?.S ?? "?";
    out.set(gen, [...(out.get(gen) ?? []), Number(i.index?.N)]);
  }
  return out;
}

async function manifestOf(ns: string, name: string) {
  const items = await rawItemsHere("$dynatom-kvblob_1");
  const m = items.find((i) => i.ns?.S === ns && i.name?.S === name);
  return m === undefined
    ? undefined
    : {
        generation: m.generation?.S ?? "",
        chunks: Number(m.chunks?.N),
        version: Number(m._ver?.N),
      };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const bytesOf = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return b;
};
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) =>
  a !== undefined && a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Fails a test that would hang, rather than hang the run. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Combined writes: solo and read-modify-write changes on one key from many handles of one store

test.serial(
  "CAS puts (ifVersion) and updateIns on one key from many handles of one store: every increment once, each put reports read version + 1",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 1000, deadlineMs: 120_000 } });
    const ns = freshNs("mix");
    await r.store.kv(ns).set("c", { n: 0 });
    const handles = Array.from({ length: 6 }, () => r.store.kv(ns));
    const putVersions: number[] = [];
    const badPuts: string[] = [];
    const casIncrement = async (kv: KeyValue) => {
      for (;;) {
        const e = await kv.entry<{ n: number }>("c");
        if (e === undefined) throw new Error("vanished");
        try {
          const { version } = await kv.put("c", { n: e.value.n + 1 }, { ifVersion: e.version });
          if (version !== e.version + 1) badPuts.push(`read ${e.version}, put reported ${version}`);
          putVersions.push(version);
          return;
        } catch (error) {
          if (!isDynatomError(error, "kv.version-mismatch")) throw error;
        }
      }
    };
    const PUTS = 15;
    const UPDATES = 45;
    await bounded(
      Promise.all([
        ...Array.from({ length: PUTS }, (_, i) => casIncrement(handles[i % 6] as KeyValue)),
        ...Array.from({ length: UPDATES }, (_, i) =>
          (handles[(i + 3) % 6] as KeyValue).updateIn("c", ["n"], (n: number) => n + 1),
        ),
      ]),
      120_000,
      "the mixed writers",
    );
    const final = await r.store.kv(ns).entry<{ n: number }>("c");
    t.is(final?.value.n, PUTS + UPDATES, "every increment applied exactly once");
    t.deepEqual(badPuts, []);
    t.is(new Set(putVersions).size, PUTS, "no two puts report the same version");
  },
);

test.serial(
  "set, put ifAbsent and updateIn at once on a new key from one store: versions of set/put are distinct and the refusal rests on the stored item",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 200 } });
    const ns = freshNs("mix-absent");
    const a = r.store.kv(ns);
    const b = r.store.kv(ns);
    const results = await Promise.allSettled([
      a.updateIn("k", ["n"], (n = 0) => (n as number) + 1),
      b.put("k", { n: 100 }, { ifAbsent: true }),
      a.updateIn("k", ["n"], (n = 0) => (n as number) + 1),
      b.set("k", { n: 1000 }),
      a.updateIn("k", ["n"], (n = 0) => (n as number) + 1),
    ]);
    const put = results[1];
    const set = results[3];
    t.is(set?.status, "fulfilled");
    for (const [i, res] of results.entries())
      if (i !== 1)
        t.is(res.status, "fulfilled", `op ${i}: ${String((res as PromiseRejectedResult).reason)}`);
    if (put?.status === "rejected") t.is(codeOf(put.reason), "kv.key-exists");
    const versions = [put, set]
      .filter((x): x is PromiseFulfilledResult<{ version: number }> => x?.status === "fulfilled")
      .map((x) => x.value.version);
    t.is(new Set(versions).size, versions.length, `distinct versions ${versions.join(",")}`);
    const final = await r.store.kv(ns).entry<{ n: number }>("k");
    t.truthy(final);
    t.true((final?.version ?? 0) >= Math.max(...versions));
    // The value ends at the set's 1000 plus the updates after it, or past 100 / below 3.
    t.true([1000, 1001, 1002, 1003, 100, 101, 102, 103, 1, 2, 3].includes(final?.value.n ?? -1));
  },
);

// ---------------------------------------------------------------------------------------------
// multiSet / multiDelete

test.serial(
  "multiSet whose transaction answer is lost, then throttled: resolves (or reports unknown), each key at version+1 once; a later put ifVersion decides on the stored item",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("mset-lost");
    const kv = r.store.kv(ns);
    await kv.set("a", 1);
    await kv.set("b", 1);
    const h = lostThenThrottled("TransactWriteItemsCommand", 2);
    r.hook = h.hook;
    let error: unknown;
    await kv.multiSet({ a: 2, b: 2 }).catch((e) => {
      error = e;
    });
    r.hook = undefined;
    if (error !== undefined) t.regex(String(codeOf(error)), /outcome-unknown/);
    const fresh = r.store.kv(ns);
    t.deepEqual(await fresh.entry("a"), { value: 2, version: 2 }, "applied once");
    t.deepEqual(await fresh.entry("b"), { value: 2, version: 2 });
    const stale = await kv.put("a", 3, { ifVersion: 1 }).catch((e: unknown) => e);
    t.is(codeOf(stale), "kv.version-mismatch");
    t.deepEqual(await kv.put("a", 3, { ifVersion: 2 }), { version: 3 });
    t.deepEqual(await kv.put("b", 3, { ifVersion: 2 }), { version: 3 });
  },
);

test.serial(
  "multiSet lost after commit while another store sets a key on top before the resend: that set is kept",
  async (t) => {
    const r = rig(t);
    const other = rig(t);
    const ns = freshNs("mset-lost-other");
    const kv = r.store.kv(ns);
    await kv.set("a", 1);
    let sends = 0;
    r.hook = async (name, _input, next) => {
      if (name === "TransactWriteItemsCommand" && ++sends === 1) {
        await next();
        await other.store.kv(ns).set("a", "theirs");
        throw lost();
      }
      return next();
    };
    let error: unknown;
    await kv.multiSet({ a: "ours", b: "ours" }).catch((e) => {
      error = e;
    });
    if (error !== undefined) t.regex(String(codeOf(error)), /outcome-unknown/);
    const fresh = r.store.kv(ns);
    t.deepEqual(await fresh.entry("a"), { value: "theirs", version: 3 }, "never applied twice");
    t.deepEqual(await fresh.entry("b"), { value: "ours", version: 1 });
  },
);

test.serial(
  "multiDelete lost after commit, the key set again by another store before the resend: the new value stays",
  async (t) => {
    const r = rig(t);
    const other = rig(t);
    const ns = freshNs("mdel-lost");
    const kv = r.store.kv(ns);
    await kv.set("a", 1);
    await kv.set("b", 1);
    let sends = 0;
    r.hook = async (name, _input, next) => {
      if (name === "TransactWriteItemsCommand" && ++sends === 1) {
        await next();
        await other.store.kv(ns).set("a", "again");
        throw lost();
      }
      return next();
    };
    let error: unknown;
    await kv.multiDelete(["a", "b"]).catch((e) => {
      error = e;
    });
    if (error !== undefined) t.regex(String(codeOf(error)), /outcome-unknown/);
    t.deepEqual(
      await r.store.kv(ns).entry("a"),
      { value: "again", version: 1 },
      "a write made after the delete is not deleted by its resend",
    );
    t.is(await r.store.kv(ns).get("b"), undefined);
  },
);

test.serial(
  "multiDelete whose answer is lost then throttled: resolves, keys gone, set again starts at version 1",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("mdel-thr");
    const kv = r.store.kv(ns);
    await kv.set("a", 1);
    await kv.set("a", 2);
    r.hook = lostThenThrottled("TransactWriteItemsCommand", 2).hook;
    await kv.multiDelete(["a", "zz"]);
    r.hook = undefined;
    t.is(await kv.get("a"), undefined);
    t.deepEqual(await kv.set("a", 3), { version: 1 });
    t.deepEqual(await kv.put("a", 4, { ifVersion: 1 }), { version: 2 });
  },
);

test.serial(
  "multiSet racing set on the same keys from two stores: versions count every write, set versions distinct, cached state refusals rest on the stored item",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 500 } });
    const o = rig(t, { retry: { maxAttempts: 500 } });
    const ns = freshNs("mset-race");
    const kv = r.store.kv(ns);
    const them = o.store.kv(ns);
    await kv.set("k1", 0);
    await kv.set("k2", 0);
    const setVersions: number[] = [];
    const N = 10;
    await Promise.all([
      (async () => {
        for (let i = 0; i < N; i++) await them.multiSet({ k1: `m${i}`, k2: `m${i}` });
      })(),
      (async () => {
        for (let i = 0; i < N; i++) setVersions.push((await kv.set("k1", `s${i}`)).version);
      })(),
    ]);
    t.is(new Set(setVersions).size, N);
    const e1 = await r.store.kv(ns).entry("k1");
    const e2 = await r.store.kv(ns).entry("k2");
    t.is(e1?.version, 1 + 2 * N, "every set and multiSet counted once on k1");
    t.deepEqual(e2, { value: `m${N - 1}`, version: 1 + N });
    // kv cached k1 at its last set's version; the stored one may be later.
    const last = setVersions.at(-1) as number;
    if (last !== e1?.version) {
      const refused = await kv.put("k1", "x", { ifVersion: last }).catch((e: unknown) => e);
      t.is(codeOf(refused), "kv.version-mismatch");
    }
    t.deepEqual(await kv.put("k1", "x", { ifVersion: e1?.version as number }), {
      version: (e1?.version as number) + 1,
    });
    const exists = await kv.put("k2", "y", { ifAbsent: true }).catch((e: unknown) => e);
    t.is(codeOf(exists), "kv.key-exists");
  },
);

test.serial(
  "delete racing set on one handle: delete answers true, the key ends absent or holding the set's value",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("del-set");
    for (let round = 0; round < 10; round++) {
      const kv = r.store.kv(ns);
      await kv.set("k", "old");
      const [removed, set] = await Promise.all([kv.delete("k"), kv.set("k", `new${round}`)]);
      t.true(removed);
      const e = await r.store.kv(ns).entry("k");
      if (e !== undefined) {
        t.is(e.value, `new${round}`);
        t.is(e.version, set.version, "the set's reported version is the stored one");
      }
      await kv.delete("k");
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Blobs

test.serial(
  "setBlob whose manifest answer is lost then throttled: one manifest version, new bytes whole, old chunks gone, new chunks intact",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("blob-lost");
    const kv = r.store.kv(ns);
    const first = bytesOf(900_000, 1);
    const second = bytesOf(1_000_000, 2);
    t.is((await kv.setBlob("b", first)).version, 1);
    const h = lostThenThrottled("PutItemCommand", 2, (input) =>
      String((input.Item as Record<string, AttributeValue>)?.sk?.S).startsWith("$dynatom-kvblob_1"),
    );
    r.hook = h.hook;
    const info = await kv.setBlob("b", second);
    r.hook = undefined;
    t.is(info.version, 2);
    t.is(info.size, second.length);
    const m = await manifestOf(ns, "b");
    t.is(m?.version, 2);
    const gens = await chunksByGeneration(ns, "b");
    t.deepEqual([...gens.keys()], [m?.generation], "only the live generation's chunks remain");
    t.deepEqual(
      (gens.get(m?.generation ?? "") ?? []).sort((x, y) => x - y),
      [0, 1, 2],
    );
    t.true(sameBytes(await r.store.kv(ns).getBlob("b"), second));
  },
);

test.serial(
  "two setBlobs from two stores at once on one name: the survivor's chunks intact, the loser's removed",
  async (t) => {
    const a = rig(t);
    const b = rig(t);
    const ns = freshNs("blob-two");
    for (let round = 0; round < 4; round++) {
      const x = bytesOf(800_000 + round, 10 + round);
      const y = bytesOf(1_200_000 + round, 20 + round);
      const [ia, ib] = await Promise.all([
        a.store.kv(ns).setBlob("b", x),
        b.store.kv(ns).setBlob("b", y),
      ]);
      t.not(ia.version, ib.version, "two writes, two versions");
      const got = await a.store.kv(ns).getBlob("b");
      t.true(sameBytes(got, x) || sameBytes(got, y), "one of them, whole");
      const m = await manifestOf(ns, "b");
      const gens = await chunksByGeneration(ns, "b");
      t.deepEqual([...gens.keys()], [m?.generation], `round ${round}: only the survivor's chunks`);
      t.is(gens.get(m?.generation ?? "")?.length, m?.chunks);
    }
  },
);

test.serial(
  "two setBlobs from ONE store at once on one name: distinct versions, the reported sha-256 at the reported version",
  async (t) => {
    const a = rig(t);
    const ns = freshNs("blob-one");
    const x = bytesOf(500_000, 3);
    const y = bytesOf(600_000, 4);
    const z = bytesOf(700_000, 5);
    const infos = await Promise.all([
      a.store.kv(ns).setBlob("b", x),
      a.store.kv(ns).setBlob("b", y),
      a.store.kv(ns).setBlob("b", z),
    ]);
    t.is(
      new Set(infos.map((i) => i.version)).size,
      3,
      `versions ${infos.map((i) => i.version).join(",")}`,
    );
    const m = await manifestOf(ns, "b");
    const gens = await chunksByGeneration(ns, "b");
    t.deepEqual([...gens.keys()], [m?.generation]);
    const opened = await a.store.kv(ns).openBlob("b");
    const top = infos.find((i) => i.version === m?.version);
    t.is(top?.sha256, opened?.sha256, "the version reported for these bytes holds them");
    await opened?.stream.cancel();
  },
);

test.serial(
  "deleteBlob racing setBlob and readers: readers get a whole blob or nothing; no live manifest ever lacks a chunk",
  async (t) => {
    const w = rig(t);
    const d = rig(t);
    const reader = rig(t);
    const ns = freshNs("blob-del-race");
    const payloads = [bytesOf(800_000, 7), bytesOf(1_100_000, 8), bytesOf(400_000, 9)];
    await w.store.kv(ns).setBlob("b", payloads[0] as Uint8Array);
    let stop = false;
    const readErrors: unknown[] = [];
    let mixes = 0;
    const readers = Array.from({ length: 2 }, async () => {
      while (!stop) {
        try {
          const got = await reader.store.kv(ns).getBlob("b");
          if (got !== undefined && !payloads.some((p) => sameBytes(got, p))) mixes++;
        } catch (e) {
          readErrors.push(e);
        }
      }
    });
    const brokenManifests: string[] = [];
    const checker = (async () => {
      while (!stop) {
        const m = await manifestOf(ns, "b");
        if (m === undefined) continue;
        const gens = await chunksByGeneration(ns, "b");
        const m2 = await manifestOf(ns, "b");
        // Only when the manifest stayed put around the chunk scan.
        if (m2?.generation === m.generation && m2.version === m.version) {
          const have = gens.get(m.generation)?.length ?? 0;
          if (have !== m.chunks) brokenManifests.push(`${m.generation}: ${have}/${m.chunks}`);
        }
      }
    })();
    const errors: unknown[] = [];
    await Promise.all([
      (async () => {
        for (let i = 0; i < 6; i++)
          await w.store
            .kv(ns)
            .setBlob("b", payloads[i % 3] as Uint8Array)
            .catch((e: unknown) => errors.push(e));
      })(),
      (async () => {
        for (let i = 0; i < 6; i++) {
          await d.store
            .kv(ns)
            .deleteBlob("b")
            .catch((e: unknown) => errors.push(e));
          await sleep(20);
        }
      })(),
    ]);
    stop = true;
    await Promise.all([...readers, checker]);
    t.deepEqual(
      errors.map((e) => codeOf(e)).filter((c) => c !== "atom.outcome-unknown"),
      [],
    );
    t.deepEqual(
      readErrors.map((e) => `${String(codeOf(e))} ${String(e)}`),
      [],
    );
    t.is(mixes, 0);
    t.deepEqual(brokenManifests, []);
    const m = await manifestOf(ns, "b");
    const gens = await chunksByGeneration(ns, "b");
    if (m === undefined) t.deepEqual([...gens.keys()], [], "no chunks left behind a deleted blob");
    else t.deepEqual([...gens.keys()], [m.generation]);
  },
);

test.serial(
  "setBlob from an async iterable of 0-byte and 1-byte pieces, slowly: the bytes round-trip",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("blob-pieces"));
    const whole = bytesOf(400_000, 11);
    async function* pieces() {
      yield new Uint8Array(0);
      for (let at = 0; at < whole.length; ) {
        const n = at % 3 === 0 ? 1 : 131_071;
        yield new Uint8Array(0);
        yield whole.slice(at, at + n);
        at += n;
        if (at % 7 === 0) await sleep(1);
      }
      yield new Uint8Array(0);
    }
    const info = await kv.setBlob("p", pieces());
    t.is(info.size, whole.length);
    t.true(sameBytes(await kv.getBlob("p"), whole));
    const empty = await kv.setBlob(
      "e",
      (async function* () {
        yield new Uint8Array(0);
        yield new Uint8Array(0);
      })(),
    );
    t.is(empty.size, 0);
    t.deepEqual(await kv.getBlob("e"), new Uint8Array(0));
  },
);

test.serial(
  "setBlob from a ReadableStream that errors midway: the stream's error, the old blob stays, no new chunks left",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("blob-rs-err");
    const kv = r.store.kv(ns);
    const old = bytesOf(500_000, 12);
    await kv.setBlob("b", old);
    const before = await manifestOf(ns, "b");
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls > 5) controller.error(new Error("upstream broke"));
        else controller.enqueue(bytesOf(300_000, pulls));
      },
    });
    const err = await bounded(
      kv.setBlob("b", stream).then(
        () => undefined,
        (e: unknown) => e,
      ),
      60_000,
      "setBlob of a failing stream",
    );
    t.regex(String(err), /upstream broke/);
    t.true(sameBytes(await kv.getBlob("b"), old));
    const gens = await chunksByGeneration(ns, "b");
    t.deepEqual([...gens.keys()], [before?.generation]);
  },
);

test.serial(
  "openBlob stream cancelled midway: cancel ends, no unhandled rejection, the blob reads whole after",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("blob-cancel"));
    const whole = bytesOf(3_000_000, 13);
    await kv.setBlob("b", whole);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      for (const concurrency of [1, 4, 32]) {
        const blob = await kv.openBlob("b", { concurrency });
        const reader = blob?.stream.getReader();
        const first = await reader?.read();
        t.false(first?.done);
        await bounded(reader?.cancel() ?? Promise.resolve(), 30_000, "cancel");
        // Let chunk reads in flight settle.
        await sleep(300);
      }
      await sleep(500);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    t.deepEqual(unhandled.map(String), []);
    t.true(sameBytes(await kv.getBlob("b", { concurrency: 1 }), whole));
    t.true(sameBytes(await kv.getBlob("b", { concurrency: 32 }), whole));
    const bad = await kv.getBlob("b", { concurrency: 33 }).catch((e: unknown) => e);
    t.is(codeOf(bad), "kv.invalid-option");
  },
);

// ---------------------------------------------------------------------------------------------
// Logs

test.serial(
  "60 appends at once from ONE store: seqs 0..59 each once, each returned seq holds its value",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 500, deadlineMs: 120_000 } });
    const ns = freshNs("log-one");
    const handles = Array.from({ length: 4 }, () => r.store.kv(ns));
    const N = 60;
    const results = await Promise.allSettled(
      Array.from({ length: N }, (_, i) => (handles[i % 4] as KeyValue).append("l", { i })),
    );
    const failed = results.filter((x) => x.status === "rejected");
    t.deepEqual(
      failed.map((f) => String((f as PromiseRejectedResult).reason)),
      [],
    );
    const seqs = results.map((x) => (x.status === "fulfilled" ? x.value.seq : -1));
    t.deepEqual(
      [...seqs].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
    const entries = await collect(r.store.kv(ns).log<{ i: number }>("l"));
    t.is(entries.length, N);
    for (const [i, seq] of seqs.entries()) t.is(entries[seq]?.value.i, i, `seq ${seq}`);
  },
);

test.serial(
  "append of a value over the item size is ItemTooLargeError before any request",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("log-big"));
    await kv.append("l", 1);
    r.sent.length = 0;
    const err = await kv.append("l", "x".repeat(420_000)).catch((e: unknown) => e);
    t.is(codeOf(err), "encoding.item-too-large");
    t.deepEqual(r.sent, []);
    t.deepEqual(
      (await collect(kv.log("l"))).map((e) => e.value),
      [1],
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Values at the item limit, expiries at the edges

test.serial(
  "set near the 400 KB limit: a value that fits is stored whole; one over is ItemTooLargeError before any request",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("big"));
    const fits = "y".repeat(395_000);
    t.deepEqual(await kv.set("k", fits), { version: 1 });
    t.is(((await kv.get("k")) as string).length, fits.length);
    r.sent.length = 0;
    const err = await kv.set("k", "y".repeat(410_000)).catch((e: unknown) => e);
    t.is(codeOf(err), "encoding.item-too-large");
    const errMulti = await kv.multiSet({ k: "y".repeat(410_000) }).catch((e: unknown) => e);
    t.is(codeOf(errMulti), "encoding.item-too-large");
    t.deepEqual(r.sent, []);
    t.is(((await kv.get("k")) as string).length, fits.length);
  },
);

test.serial(
  "ttlSeconds beyond what a Date holds is kv.invalid-option before any request; a huge one that is taken round-trips",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("ttl-edge"));
    r.sent.length = 0;
    for (const ttl of [1e13, 1e300, Number.MAX_VALUE]) {
      const err = await kv.set("k", 1, { ttlSeconds: ttl }).catch((e: unknown) => e);
      t.is(codeOf(err), "kv.invalid-option", `ttlSeconds ${ttl}: ${String(err)}`);
    }
    t.deepEqual(r.sent, []);
  },
);

test.serial(
  "ttlSeconds 1e12 is refused or round-trips (entry, listPage, updateIn keeps it); 0.001 rounds up to a whole second",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("ttl-huge"));
    const huge = await kv.set("h", 1, { ttlSeconds: 1e12 }).catch((e: unknown) => e);
    if (isDynatomError(huge)) t.is(codeOf(huge), "kv.invalid-option");
    else {
      const e = await kv.entry("h");
      t.is(e?.value, 1);
      t.true((e?.expiresAt?.getTime() ?? 0) > Date.now() + 1e14);
      const page = await kv.listPage();
      t.is(page.keys.find((k) => k.key === "h")?.expiresAt?.getTime(), e?.expiresAt?.getTime());
      t.deepEqual(await kv.updateIn("h", [], (n: number) => n + 1), [1, 2]);
      t.is(
        (await kv.entry("h"))?.expiresAt?.getTime(),
        e?.expiresAt?.getTime(),
        "the expiry stays",
      );
    }
    // A fractional one rounds up to a whole second, and is never in the past when written.
    const before = Date.now();
    await kv.set("f", 1, { ttlSeconds: 0.001 });
    const listed = (await kv.listPage()).keys.find((k) => k.key === "f");
    if (listed !== undefined) {
      t.is((listed.expiresAt?.getTime() ?? 0) % 1000, 0);
      t.true((listed.expiresAt?.getTime() ?? 0) <= before + 2_000 + 1_000);
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Listing and names

test.serial(
  "keys holding characters at or below '$' and astral characters list in UTF-8 byte order, and prefixes select exactly",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("order"));
    const keys = [
      "a",
      "a\u0001",
      "a\u001f",
      "a b",
      "a!",
      "a#",
      "a#x",
      "a$",
      "a$`",
      "a%",
      "ab",
      "a\uE000",
      "a\uFFFD",
      "a\u{1F600}",
      "a\u{10FFFF}",
    ];
    for (const k of [...keys].reverse()) await kv.set(k, k);
    const utf8 = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    t.deepEqual(await collect(kv.keys()), utf8);
    // Page by page, limit 1, through cursors.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await kv.listPage({ limit: 1, ...(cursor ? { cursor } : {}) });
      paged.push(...page.keys.map((k) => k.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    t.deepEqual(paged, utf8);
    for (const prefix of ["a#", "a$", "a ", "a\u0001", "a\u{1F600}", "a\uFFFD"]) {
      t.deepEqual(
        await collect(kv.keys({ prefix })),
        utf8.filter((k) => k.startsWith(prefix)),
        `prefix ${JSON.stringify(prefix)}`,
      );
    }
    for (const k of keys) t.is(await kv.get(k), k);
  },
);

test.serial(
  "namespaces holding '#', '$', ' ' and control characters stay apart, from each other and from logs and blobs",
  async (t) => {
    const r = rig(t);
    const base = freshNs("nsx");
    const names = [
      base,
      `${base}#`,
      `${base}$`,
      `${base} `,
      `${base}\u0001`,
      `${base}#log_l`,
      `${base}#name_b`,
    ];
    for (const n of names) await r.store.kv(n).set("k", n);
    for (const n of names) {
      const kv = r.store.kv(n);
      t.is(await kv.get("k"), n);
      t.deepEqual(await collect(kv.keys()), ["k"], JSON.stringify(n));
    }
    await r.store.kv(base).append("l", "entry");
    await r.store.kv(base).setBlob("b", bytesOf(10, 1));
    t.deepEqual(await collect(r.store.kv(`${base}#log_l`).keys()), ["k"]);
    t.deepEqual(await collect(r.store.kv(`${base}#name_b`).keys()), ["k"]);
    t.deepEqual(
      (await collect(r.store.kv(base).log("l"))).map((e) => e.value),
      ["entry"],
    );
    t.deepEqual((await collect(r.store.kv(`${base}#log_l`).log("x"))).length, 0);
    t.true(sameBytes(await r.store.kv(base).getBlob("b"), bytesOf(10, 1)));
    t.is(await r.store.kv(`${base}#`).getBlob("b"), undefined);
  },
);

test.serial(
  "keys() while other keys are added and deleted: each stable key listed exactly once, no duplicates, in order",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("churn");
    const kv = r.store.kv(ns);
    const stable = Array.from({ length: 120 }, (_, i) => `s${String(i).padStart(4, "0")}`);
    for (let i = 0; i < stable.length; i += 25)
      await kv.multiSet(Object.fromEntries(stable.slice(i, i + 25).map((k) => [k, 1])));
    let stop = false;
    const churn = (async () => {
      let i = 0;
      while (!stop) {
        const k = `s${String(i % 130).padStart(4, "0")}x`;
        await kv.set(k, i);
        if (i % 2 === 0) await kv.delete(k);
        i++;
      }
    })();
    for (let pass = 0; pass < 3; pass++) {
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await kv.listPage({
          limit: 7,
          consistent: pass !== 1,
          ...(cursor ? { cursor } : {}),
        });
        listed.push(...page.keys.map((k) => k.key));
        cursor = page.cursor;
      } while (cursor !== undefined);
      t.is(new Set(listed).size, listed.length, "no duplicates");
      t.deepEqual(
        listed.filter((k) => !k.endsWith("x")),
        stable,
      );
      t.deepEqual(
        [...listed].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        listed,
      );
    }
    stop = true;
    await churn;
  },
);

// ---------------------------------------------------------------------------------------------
// Items written by another tool

test.serial(
  "a key written by another tool (raw PutItem, no _ver/_writes) reads, updates exactly once under a lost answer, and versions go on from it",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("raw");
    await dynamo().client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: `$dynatom#ns_${ns}` },
          sk: { S: "$dynatom-kv_1#key_k" },
          ns: { S: ns },
          key: { S: "k" },
          value: { M: { n: { N: "5" } } },
          __edb_e__: { S: "dynatom-kv" },
          __edb_v__: { S: "1" },
        },
      }),
    );
    const kv = r.store.kv(ns);
    const e = await kv.entry<{ n: number }>("k");
    t.deepEqual(e?.value, { n: 5 });
    const v0 = e?.version as number;
    t.true(Number.isInteger(v0) && v0 >= 0, `version ${v0}`);
    t.deepEqual(
      (await kv.listPage()).keys.map((k) => [k.key, k.version]),
      [["k", v0]],
    );
    // The first update's answer is lost after it landed.
    let puts = 0;
    r.hook = async (name, _input, next) => {
      if (name === "PutItemCommand" && ++puts === 1) {
        await next();
        throw lost();
      }
      return next();
    };
    let error: unknown;
    await kv
      .updateIn("k", ["n"], (n: number) => n + 1)
      .catch((err: unknown) => {
        error = err;
      });
    r.hook = undefined;
    if (error !== undefined) t.is(codeOf(error), "atom.outcome-unknown");
    const after = await r.store.kv(ns).entry<{ n: number }>("k");
    t.is(after?.value.n, 6, "applied exactly once");
    t.is(after?.version, v0 + 1);
    t.deepEqual(await kv.put("k", { n: 7 }, { ifVersion: v0 + 1 }), { version: v0 + 2 });
    // ifVersion of a version a raw item is reported at must be accepted, or not be reported.
    if (v0 === 0) {
      const kv2 = r.store.kv(freshNs("raw0"));
      t.pass(kv2.namespace);
    }
  },
);

test.serial(
  "a stream that handed out part of a blob then deleted under it errors kv.blob-replaced (not kv.corrupt-blob) or ends whole, and does not hang",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("blob-del-mid"));
    const whole = bytesOf(2_000_000, 21);
    await kv.setBlob("b", whole);
    const blob = await kv.openBlob("b", { concurrency: 1 });
    const reader = blob?.stream.getReader();
    const first = await reader?.read();
    t.false(first?.done);
    const parts: Uint8Array[] = [first?.value as Uint8Array];
    t.true(await kv.deleteBlob("b"));
    const err = await bounded(
      (async () => {
        for (;;) {
          const next = await reader?.read();
          if (next?.done) return undefined;
          parts.push(next?.value as Uint8Array);
        }
      })().catch((e: unknown) => e),
      60_000,
      "the rest of the stream",
    );
    // Ended without error: the old chunks were still there (their removal may fail), whole.
    if (err === undefined) t.true(sameBytes(Buffer.concat(parts), whole));
    else t.is(codeOf(err), "kv.blob-replaced", String(err));
    t.is(await kv.getBlob("b"), undefined);
  },
);

/** The longest string value (of `unit` repeated) that `write` does not refuse as too large before sending. */
async function largestAccepted(r: Rig, write: (value: string) => Promise<unknown>, unit: string) {
  r.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" || name === "TransactWriteItemsCommand")
      throw answered("ValidationException", 400);
    return next();
  };
  let lo = 1_000; // accepted
  let hi = 450_000; // refused
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const err = await write(unit.repeat(mid)).catch((e: unknown) => e);
    if (codeOf(err) === "encoding.item-too-large") hi = mid;
    else lo = mid;
  }
  r.hook = undefined;
  return lo;
}

test.serial(
  "values at the item limit: the largest one dynatom sends is stored by DynamoDB, for set, multiSet and append, long names and multi-byte text",
  async (t) => {
    const r = rig(t);
    const longNs = `${freshNs("limit")}-${"n".repeat(200)}`;
    const kv = r.store.kv(longNs);
    const longKey = "k".repeat(700);
    const cases: [string, (v: string) => Promise<unknown>, string][] = [
      ["set ascii", (v) => kv.set(longKey, v), "y"],
      ["set 2-byte", (v) => kv.set(longKey, v), "é"],
      ["set astral", (v) => kv.set(longKey, v), "😀"],
      ["set ctl", (v) => kv.set(longKey, v), "\u0001"],
      ["multiSet ascii", (v) => kv.multiSet({ [longKey]: v }), "y"],
      ["append ascii", (v) => kv.append(longKey, v), "y"],
      ["set object", (v) => kv.set(longKey, { [v.slice(0, 10)]: v.slice(10) }), "z"],
    ];
    for (const [what, write, unit] of cases) {
      const n = await largestAccepted(r, write, unit);
      t.true(Buffer.byteLength(unit.repeat(n)) > 380_000, `${what}: only ${n} units taken`);
      const err = await write(unit.repeat(n)).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.is(
        err === undefined ? undefined : `${String(codeOf(err))} ${String(err)}`,
        undefined,
        `${what} at ${n} units`,
      );
    }
  },
);

test.serial(
  "a key whose expiry passed (item still present) is written again: set, multiSet, updateIn and put ifAbsent agree on the version it gets",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("expired-versions"));
    for (const k of ["s", "m", "u", "p"]) {
      await kv.set(k, 0);
      await kv.set(k, 1, { ttlSeconds: 1 });
    }
    await bounded(
      (async () => {
        while ((await kv.entry("p")) !== undefined) await sleep(200);
      })(),
      30_000,
      "expiry",
    );
    await sleep(1_100);
    const s = (await kv.set("s", "new")).version;
    await kv.multiSet({ m: "new" });
    const m = (await kv.entry("m"))?.version;
    await kv.updateIn("u", [], () => "new");
    const u = (await kv.entry("u"))?.version;
    const p = (await kv.put("p", "new", { ifAbsent: true })).version;
    t.deepEqual({ s, m, u, p }, { s, m: s, u: s, p: s });
  },
);

test.serial(
  "set and multiSet of undefined agree: both refused with a typed error before any request, or both stored and reported as present",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("undef"));
    r.sent.length = 0;
    const a = await kv.set("a", undefined).catch((e: unknown) => e);
    const b = await kv.multiSet({ b: undefined }).catch((e: unknown) => e);
    const ok = (x: unknown) =>
      x === undefined || (typeof x === "object" && x !== null && "version" in x);
    t.is(
      ok(a),
      ok(b),
      `set: ${String(codeOf(a) ?? JSON.stringify(a))}, multiSet: ${String(codeOf(b) ?? b)}`,
    );
    if (!ok(a)) t.truthy(codeOf(a));
    if (!ok(b)) t.truthy(codeOf(b));
    if (ok(a)) t.is(await kv.exists("a"), true);
    if (ok(b)) t.is(await kv.exists("b"), true);
  },
);

/** Puts a kv item as another tool would: no _ver, no _writes. */
async function rawPut(ns: string, key: string, value: AttributeValue) {
  await dynamo().client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `$dynatom#ns_${ns}` },
        sk: { S: `$dynatom-kv_1#key_${key}` },
        ns: { S: ns },
        key: { S: key },
        value,
        __edb_e__: { S: "dynatom-kv" },
        __edb_v__: { S: "1" },
      },
    }),
  );
}

test.serial(
  "delete of an item another tool wrote, answer lost, the tool writes it again before the resend: the new write is not deleted",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("raw-del");
    await rawPut(ns, "k", { S: "first" });
    const kv = r.store.kv(ns);
    t.is(await kv.get("k"), "first");
    let deletes = 0;
    r.hook = async (name, _input, next) => {
      if (name === "DeleteItemCommand" && ++deletes === 1) {
        await next();
        await rawPut(ns, "k", { S: "second" });
        throw lost();
      }
      return next();
    };
    let error: unknown;
    const removed = await kv.delete("k").catch((e: unknown) => {
      error = e;
      return undefined;
    });
    r.hook = undefined;
    if (error !== undefined) t.is(codeOf(error), "atom.outcome-unknown");
    else t.true(removed);
    t.is(
      await r.store.kv(ns).get("k"),
      "second",
      "one delete applied once: the tool's second write stays",
    );
  },
);

test.serial(
  "an item another tool wrote: the version entry() reports is one ifVersion accepts, for put and delete",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("raw-ifv");
    await rawPut(ns, "k", { S: "raw" });
    await rawPut(ns, "d", { S: "raw" });
    const kv = r.store.kv(ns);
    const e = await kv.entry("k");
    const put = await kv
      .put("k", "mine", { ifVersion: e?.version as number })
      .catch((x: unknown) => x);
    t.false(isDynatomError(put), `put ifVersion ${e?.version}: ${String(put)}`);
    const d = await kv.entry("d");
    const del = await kv.delete("d", { ifVersion: d?.version as number }).catch((x: unknown) => x);
    t.is(del, true, `delete ifVersion ${d?.version}: ${String(del)}`);
  },
);

test.serial(
  "setBlob of a locked ReadableStream or a sync array of chunks is a typed error, and nothing is written",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("blob-locked");
    const kv = r.store.kv(ns);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3]));
        c.close();
      },
    });
    stream.getReader();
    const locked = await kv.setBlob("b", stream).catch((e: unknown) => e);
    t.is(codeOf(locked), "kv.invalid-option", String(locked));
    const arr = await kv
      .setBlob("b", [new Uint8Array([1])] as unknown as Uint8Array)
      .catch((e: unknown) => e);
    t.is(codeOf(arr), "kv.invalid-option", String(arr));
    t.is(await kv.getBlob("b"), undefined);
    t.deepEqual([...(await chunksByGeneration(ns, "b")).keys()], []);
  },
);

test.serial(
  "multiSet over a transaction's 4 MB is a typed error, no transaction is sent, nothing is written",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("mset-4mb"));
    const big = "q".repeat(380_000);
    const entries = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, big]));
    const err = await kv.multiSet(entries).catch((e: unknown) => e);
    t.truthy(codeOf(err), String(err));
    t.false(r.sent.includes("TransactWriteItemsCommand"));
    t.deepEqual(await collect(kv.keys()), []);
  },
);

test.serial(
  "an item another tool wrote with only pk, sk and value: reads give the value or a typed error; set and delete work or are typed errors",
  async (t) => {
    const r = rig(t);
    const ns = freshNs("raw-min");
    const put = (key: string) =>
      dynamo().client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: `$dynatom#ns_${ns}` },
            sk: { S: `$dynatom-kv_1#key_${key}` },
            value: { S: "raw" },
          },
        }),
      );
    await put("a");
    await put("b");
    const kv = r.store.kv(ns);
    const read = await kv.entry("a").catch((e: unknown) => e);
    if (read instanceof Error) t.truthy(codeOf(read), String(read));
    const set = await kv.set("a", "mine").catch((e: unknown) => e);
    if (set instanceof Error) t.truthy(codeOf(set), String(set));
    else t.is(await kv.get("a"), "mine");
    // A documented limit: an item without the facade's fields cannot be decided on, so delete
    // refuses it with a typed error naming it, and deletes nothing.
    const del = await kv.delete("b").catch((e: unknown) => e);
    if (del instanceof Error) t.is(codeOf(del), "decode.schema-mismatch", String(del));
    else t.is(await kv.get("b").catch(() => "unreadable"), undefined);
    const listed = await collect(kv.keys()).catch((e: unknown) => e);
    t.false(listed instanceof Error, String(listed));
  },
);

test.serial(
  "bytes that are views on a larger buffer (subarray, pooled Buffer) are stored as the view: setBlob, set and append",
  async (t) => {
    const r = rig(t);
    const kv = r.store.kv(freshNs("views"));
    const big = bytesOf(2_000_000, 31);
    const view = big.subarray(1_234, 1_234 + 900_001);
    const info = await kv.setBlob("v", view);
    t.is(info.size, view.length);
    t.true(sameBytes(await kv.getBlob("v"), view));
    const pooled = Buffer.from("hello");
    t.true(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length || true);
    await kv.setBlob("p", pooled);
    t.deepEqual(Buffer.from((await kv.getBlob("p")) as Uint8Array).toString(), "hello");
    await kv.setBlob(
      "s",
      (async function* () {
        yield big.subarray(5, 10);
        yield Buffer.from("xyz");
      })(),
    );
    t.deepEqual(
      [...((await kv.getBlob("s")) as Uint8Array)],
      [...big.subarray(5, 10), 120, 121, 122],
    );
    await kv.set("k", { b: big.subarray(10, 20), p: Buffer.from("abc") });
    const got = (await kv.get("k")) as { b: Uint8Array; p: Uint8Array };
    t.deepEqual([...got.b], [...big.subarray(10, 20)]);
    t.deepEqual(Buffer.from(got.p).toString(), "abc");
    await kv.append("l", big.subarray(100, 103));
    const [entry] = await collect(kv.log<Uint8Array>("l"));
    t.deepEqual([...(entry?.value ?? [])], [...big.subarray(100, 103)]);
  },
);

test.serial(
  "deleteBlob whose manifest delete is lost, another store sets the blob again before the resend: the new blob stays whole",
  async (t) => {
    const r = rig(t);
    const other = rig(t);
    const ns = freshNs("blob-del-lost");
    const kv = r.store.kv(ns);
    const fresh = bytesOf(900_000, 41);
    await kv.setBlob("b", bytesOf(500_000, 40));
    let deletes = 0;
    r.hook = async (name, _input, next) => {
      if (name === "DeleteItemCommand" && ++deletes === 1) {
        await next();
        await other.store.kv(ns).setBlob("b", fresh);
        throw lost();
      }
      return next();
    };
    let error: unknown;
    const removed = await kv.deleteBlob("b").catch((e: unknown) => {
      error = e;
      return undefined;
    });
    r.hook = undefined;
    if (error !== undefined) t.is(codeOf(error), "atom.outcome-unknown");
    else t.true(removed);
    t.true(sameBytes(await other.store.kv(ns).getBlob("b"), fresh));
    const m = await manifestOf(ns, "b");
    const gens = await chunksByGeneration(ns, "b");
    t.deepEqual(
      [...gens.keys()],
      [m?.generation],
      `deleteBlob: ${error === undefined ? String(removed) : String(codeOf(error))}; the old generation's chunks are named by no manifest`,
    );
  },
);

test.serial(
  "setBlob whose chunk puts are throttled to the end midway (concurrency 32): a typed error, the old blob stays, no new chunk left",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 3 } });
    const ns = freshNs("blob-chunk-fail");
    const kv = r.store.kv(ns);
    const old = bytesOf(500_000, 50);
    await kv.setBlob("b", old);
    const before = await manifestOf(ns, "b");
    let chunkPuts = 0;
    r.hook = async (name, input, next) => {
      const sk = String((input.Item as Record<string, AttributeValue> | undefined)?.sk?.S);
      if (name === "PutItemCommand" && sk.startsWith("$dynatom-kvchunk_1") && ++chunkPuts > 6)
        throw throttled();
      return next();
    };
    const err = await bounded(
      kv.setBlob("b", bytesOf(12 * 384 * 1024 + 5, 51), { concurrency: 32 }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      120_000,
      "setBlob",
    );
    r.hook = undefined;
    t.truthy(codeOf(err), String(err));
    t.true(sameBytes(await kv.getBlob("b"), old));
    t.deepEqual([...(await chunksByGeneration(ns, "b")).keys()], [before?.generation]);
  },
);

test.serial("assocIn past an array's end: a small gap is stored as asked or refused", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("sparse"));
  await kv.set("k", { list: [1, 2] });
  const near = await kv.assocIn("k", ["list", 4], "x").catch((e: unknown) => e);
  if (near instanceof Error) t.truthy(codeOf(near), String(near));
  else {
    t.is(await kv.getIn("k", ["list", 4]), "x");
    t.is(((await kv.getIn("k", ["list"])) as unknown[]).length, 5);
  }
});

const hugeIndex = test.macro(async (t, mode: "assocIn" | "set", indexes: readonly number[]) => {
  for (const index of indexes) {
    const child = spawnChild(
      "kv-sparse",
      [
        JSON.stringify({
          endpoint: dynamo().endpoint,
          table,
          namespace: freshNs("sparse-far"),
          index,
          mode,
        }),
      ],
      {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=384`,
      },
    );
    const { code, signal, out, err } = await finished(child, 120_000);
    const fatal = /FATAL ERROR[^\n]*/.exec(err)?.[0];
    t.is(
      code,
      0,
      `index ${index}: the process ended with ${code ?? signal}${fatal ? ` (${fatal})` : ""}`,
    );
    if (code !== 0) continue;
    const line = lastJsonLine<{ ok: boolean; code?: string; message?: string; length?: number }>(
      out,
    );
    t.false(line.ok, `index ${index}: acknowledged: ${JSON.stringify(line)}`);
    t.truthy(line.code, `index ${index}: ${line.message}`);
    t.is(line.length, 2, "nothing written");
  }
});

// Serial (run alone, before the others): a child that exhausts its memory loads the machine.
test.serial(
  "assocIn at a huge array index (2**32, MAX_SAFE_INTEGER, 1e9) is a typed error before any request: never acknowledged and dropped, never an out-of-memory abort",
  hugeIndex,
  "assocIn",
  [2 ** 32, Number.MAX_SAFE_INTEGER, 1e9],
);

test.serial(
  "set of a value holding a sparse array (one element at index 1e9) is stored or a typed error before any request: never an out-of-memory abort",
  hugeIndex,
  "set",
  [1e9],
);

test.serial(
  "multiSet and multiDelete whose answers are all lost report the transaction's code, transaction.outcome-unknown",
  async (t) => {
    const r = rig(t, { retry: { maxAttempts: 3 } });
    const ns = freshNs("mset-code");
    const kv = r.store.kv(ns);
    await kv.set("a", 1);
    // Every send is carried out and its answer lost.
    r.hook = async (name, _input, next) => {
      if (name === "TransactWriteItemsCommand") {
        await next();
        throw lost();
      }
      return next();
    };
    const set = await kv.multiSet({ a: 2, b: 2 }).catch((e: unknown) => e);
    r.hook = undefined;
    const afterSet = await r.store.kv(ns).get("b");
    r.hook = async (name, _input, next) => {
      if (name === "TransactWriteItemsCommand") {
        await next();
        throw lost();
      }
      return next();
    };
    const del = await kv.multiDelete(["a"]).catch((e: unknown) => e);
    r.hook = undefined;
    t.deepEqual(
      [codeOf(set), codeOf(del)],
      ["transaction.outcome-unknown", "transaction.outcome-unknown"],
      `b after the multiSet: ${String(afterSet)}; a after the multiDelete: ${String(await r.store.kv(ns).get("a"))}`,
    );
  },
);
