/**
 * The key-value facade: site settings by key with paths and versions, jobs created only once,
 * a paged listing, an audit log appended by many writers at once, and a blob streamed in and
 * out. No atom type to declare. Runs on the embedded DynamoDB Local unless DYNATOM_ENDPOINT
 * says otherwise.
 */
import { createStore, isDynatomError } from "dynatom";

const store = createStore({
  table: process.env.DYNATOM_TABLE ?? "dynatom-kv",
  atoms: [],
  endpoint: process.env.DYNATOM_ENDPOINT ?? "embedded",
});

try {
  await store.ensureTable();
  const kv = store.kv("settings");

  // Values with paths: every change is one atomic read-modify-write.
  await kv.set("site", { theme: { color: "teal", font: "serif" }, hits: 0 });
  await kv.assocIn("site", ["theme", "color"], "navy");
  await Promise.all(
    Array.from({ length: 20 }, () => kv.updateIn("site", ["hits"], (n = 0) => n + 1)),
  );
  await kv.dissocIn("site", ["theme", "font"]);
  const site = await kv.entry("site");
  console.log(`site: ${JSON.stringify(site?.value)} (version ${site?.version})`);

  // dynastore's create-only and versioned puts.
  const jobs = store.kv("jobs");
  await jobs.put("job-7", { state: "queued" }, { ifAbsent: true });
  try {
    await jobs.put("job-7", { state: "queued" }, { ifAbsent: true });
  } catch (err) {
    if (isDynatomError(err, "kv.key-exists")) console.log(`second create of job-7: ${err.code}`);
  }
  const job = await jobs.entry("job-7");
  await jobs.put("job-7", { state: "running" }, { ifVersion: job?.version ?? 0 });
  try {
    await jobs.put("job-7", { state: "lost update" }, { ifVersion: job?.version ?? 0 });
  } catch (err) {
    if (isDynatomError(err, "kv.version-mismatch"))
      console.log(
        `stale write of job-7: ${err.code} (at ${err.details.actual}, not ${err.details.expected})`,
      );
  }

  // Paged listing with a prefix; an expiring key.
  await jobs.multiSet(
    Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`job-${100 + i}`, { state: "done" }])),
  );
  await jobs.set("job-temp", { state: "scratch" }, { ttlSeconds: 600 });
  const first = await jobs.listPage({ prefix: "job-1", limit: 5 });
  console.log(
    `first page: ${first.keys.map((k) => k.key).join(", ")}; more: ${first.cursor !== undefined}`,
  );
  let count = 0;
  for await (const _ of jobs.keys({ prefix: "job-" })) count++;
  console.log(`keys starting with "job-": ${count}`);
  console.log(
    `job-temp expires at ${(await jobs.entry("job-temp"))?.expiresAt?.toISOString().slice(11, 19)} UTC`,
  );

  // A log: 4 writers append 25 entries each, at once.
  await Promise.all(
    Array.from({ length: 4 }, async (_, writer) => {
      for (let i = 0; i < 25; i++) await kv.append("audit", { writer, i });
    }),
  );
  const seqs: number[] = [];
  for await (const { seq } of kv.log("audit")) seqs.push(seq);
  console.log(
    `audit log: ${seqs.length} entries, seq ${seqs[0]}…${seqs.at(-1)}, no gaps: ${seqs.every((s, i) => s === i)}`,
  );

  // A blob of 5 MB, streamed in and read back as a stream.
  async function* generated() {
    for (let i = 0; i < 80; i++) yield new Uint8Array(64 * 1024).fill(i);
  }
  const stored = await kv.setBlob("backup", generated());
  const opened = await kv.openBlob("backup");
  let bytes = 0;
  for await (const chunk of opened?.stream ?? []) bytes += chunk.length;
  console.log(
    `blob: ${stored.size} bytes stored, ${bytes} read back, sha-256 ${stored.sha256.slice(0, 12)}…`,
  );
} finally {
  await store.close();
}
