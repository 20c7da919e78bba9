// A request still waiting for its credentials when the call runs out of time was never sent, and
// is classified so (nothing applied, safe to resend): it must then never go out. Here the
// credentials come from a credential_process that takes 1.5 s (an SSO or vault helper, IMDS,
// STS can all be that slow), on stores that make their own clients. Each test is told the write
// did not happen, acts on that, and checks that nothing lands later.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { createStore, isDynatomError } from "dynatom";
import { Counter } from "../helpers/atoms.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
let table = "";

// A credential_process that takes 1.5 s (an SSO/vault helper, IMDS, STS: all can be that slow).
const dir = mkdtempSync(join(tmpdir(), "dynatom-slowcreds-"));
const script = join(dir, "creds.sh");
writeFileSync(
  script,
  `#!/bin/sh\nsleep 1.5\necho '{"Version":1,"AccessKeyId":"local","SecretAccessKey":"local"}'\n`,
);
chmodSync(script, 0o755);
writeFileSync(join(dir, "config"), `[profile slowcreds]\ncredential_process = ${script}\n`);
writeFileSync(join(dir, "credentials"), "");

test.before(async () => {
  table = dynamo().tableName("atoms");
  const store = createStore({ table, atoms: [Counter], client: dynamo().client });
  await store.ensureTable({ stream: false });
  // A store that makes its own client (no `client` option) takes credentials from this profile.
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.AWS_PROFILE = "slowcreds";
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  process.env.AWS_REGION = "local";
});

const slowStore = () =>
  createStore({
    table,
    atoms: [Counter],
    endpoint: dynamo().endpoint,
    requestTimeoutMs: 300,
    retry: { maxAttempts: 2, baseDelayMs: 5, deadlineMs: 700 },
  });

test.serial(
  "putItems reported not written never lands later, over a write acknowledged since",
  async (t) => {
    const name = `p-${Math.random().toString(36).slice(2, 8)}`;
    const slow = slowStore();
    const other = createStore({ table, atoms: [Counter], client: dynamo().client });
    const err = await t.throwsAsync(
      slow.putItems(Counter, [{ name, n: 5 }], {
        retry: { maxAttempts: 2, baseDelayMs: 5, deadlineMs: 700 },
      }),
    );
    const details = (err as { details?: { failed?: unknown[]; unknown?: unknown[] } }).details;
    t.log("putItems threw:", String(err), JSON.stringify(details));
    t.true(isDynatomError(err, "batch.incomplete"));
    // The put is reported as not written (failed), not as unknown.
    t.is(details?.failed?.length, 1);
    t.is(details?.unknown?.length ?? 0, 0);
    // Trusting that, another writer creates the atom: acknowledged.
    const acked = await other
      .atom(Counter, { name }, { init: { name, n: 0 } })
      .reset({ name, n: 100 });
    t.log("acknowledged:", acked);
    await sleep(2_500);
    const after = await other.atom(Counter, { name }).deref();
    t.log("after:", after);
    t.deepEqual(
      after,
      { name, n: 100 },
      "a put reported not written landed over an acknowledged write",
    );
    await slow.close();
  },
);

test.serial("destroy() reported failed never deletes an item swapped since", async (t) => {
  const name = `d-${Math.random().toString(36).slice(2, 8)}`;
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  await other.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 1 });
  const slow = slowStore();
  const err = await t.throwsAsync(slow.atom(Counter, { name }).destroy());
  t.log("destroy threw:", (err as { code?: string }).code, String(err));

  // Told the delete did not happen, another writer swaps the atom: acknowledged.
  const acked = await other.atom(Counter, { name }).swap((c) => ({ name, n: (c?.n ?? 0) + 1 }));
  t.log("acknowledged:", acked);
  await sleep(2_500);
  const after = await other
    .atom(Counter, { name }, { init: { name, n: -1 } })
    .deref()
    .catch((e: unknown) => e);
  t.log("after:", after);
  t.deepEqual(
    after,
    { name, n: 2 },
    "a delete reported as failed landed after an acknowledged swap",
  );
  await slow.close();
});

test.serial(
  "transact() reported failed never commits later, over a write acknowledged since",
  async (t) => {
    const name = `t-${Math.random().toString(36).slice(2, 8)}`;
    const slow = slowStore();
    const other = createStore({ table, atoms: [Counter], client: dynamo().client });
    const err = await t.throwsAsync(
      slow.transact((tx) => [tx.put(Counter, { name, n: 5 })], {
        retry: { maxAttempts: 2, baseDelayMs: 5, deadlineMs: 700 },
      }),
    );
    t.log("transact threw:", (err as { code?: string }).code, String(err));

    const acked = await other
      .atom(Counter, { name }, { init: { name, n: 0 } })
      .reset({ name, n: 100 });
    t.log("acknowledged:", acked);
    await sleep(2_500);
    const after = await other.atom(Counter, { name }).deref();
    t.log("after:", after);
    t.deepEqual(
      after,
      { name, n: 100 },
      "a transaction reported failed committed after an acknowledged write",
    );
    await slow.close();
  },
);

test.serial(
  "a swap reported failed never applies later: retried as told, it applies once",
  async (t) => {
    // Short-lived credentials (an STS/SSO/container session at its end): once expired, the next
    // request waits for new ones. This helper answers at once on its first two calls (the deref,
    // and the SDK's background refresh), then takes 1.5 s: the swap's write waits for credentials.
    const d = mkdtempSync(join(tmpdir(), "dynatom-slowcreds2-"));
    const helper = join(d, "creds.sh");
    writeFileSync(
      helper,
      `#!/bin/sh
c=$(cat ${d}/count 2>/dev/null || echo 0); c=$((c+1)); echo $c > ${d}/count
echo "call $c start $(date +%s.%N)" >> ${d}/log
if [ "$c" -ge 3 ]; then sleep 1.5; fi
exp=$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%SZ)
echo "{\\"Version\\":1,\\"AccessKeyId\\":\\"local\\",\\"SecretAccessKey\\":\\"local\\",\\"Expiration\\":\\"$exp\\"}"
`,
    );
    chmodSync(helper, 0o755);
    writeFileSync(join(d, "config"), `[profile refreshing]\ncredential_process = ${helper}\n`);
    const saved = { ...process.env };
    process.env.AWS_PROFILE = "refreshing";
    process.env.AWS_CONFIG_FILE = join(d, "config");
    try {
      const name = `s-${Math.random().toString(36).slice(2, 8)}`;
      const other = createStore({ table, atoms: [Counter], client: dynamo().client });
      await other.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 0 });
      const slow = createStore({
        table,
        atoms: [Counter],
        endpoint: dynamo().endpoint,
        requestTimeoutMs: 300,
        retry: { maxAttempts: 2, baseDelayMs: 5, deadlineMs: 700 },
      });
      const h = slow.atom(Counter, { name });
      const t0 = Date.now();
      t.log("deref:", await h.deref(), Date.now() - t0, "ms", String(readFileSync(join(d, "log"))));
      await sleep(2_100); // the credentials expire
      const err = await t.throwsAsync(h.swap((c) => ({ name, n: (c?.n ?? 0) + 1 })));
      t.log(Date.now() - t0, String(readFileSync(join(d, "log"))));
      t.log("swap threw:", (err as { code?: string }).code, String(err));

      await sleep(2_500);
      // Told it failed with nothing written, the caller does the increment again.
      await other.atom(Counter, { name }).swap((c) => ({ name, n: (c?.n ?? 0) + 1 }));
      const after = await other.atom(Counter, { name }).deref();
      t.log("after one logical increment:", after);
      t.deepEqual(after, { name, n: 1 }, "one increment applied twice");
      await slow.close();
    } finally {
      process.env.AWS_PROFILE = saved.AWS_PROFILE;
      process.env.AWS_CONFIG_FILE = saved.AWS_CONFIG_FILE;
    }
  },
);
