import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localClientConfig } from "dynatom/local";

/** What every benchmark file gets: a client on the run's DynamoDB Local and a table of its own. */
export interface BenchContext {
  readonly client: DynamoDBClient;
  readonly table: string;
}

/** One measured operation. */
export interface BenchCase {
  readonly name: string;
  /** The case this one is compared with (same suite); a baseline names itself or nothing. */
  readonly baseline?: string;
  /** The ratio to the baseline the issue asks for, shown beside the measured one. */
  readonly goal?: number;
  /** A fact to print beside the timing, e.g. a stored size. */
  readonly note?: string;
  /** Runs per round and warm-up runs, for cases much slower than one request. */
  readonly perRound?: number;
  readonly warmup?: number;
  run(): unknown;
  /**
   * For a case that times only part of its work (a server's start, not its stop): run() is not
   * timed, and this resolves to the milliseconds that count.
   */
  readonly timed?: () => Promise<number>;
}

/** A group of cases measured interleaved, so that drift on a shared machine hits all alike. */
export interface BenchSuite {
  readonly name: string;
  setup(context: BenchContext): Promise<readonly BenchCase[]>;
}

/** Declares a benchmark file's suite (its default export). */
export function defineSuite(suite: BenchSuite): BenchSuite {
  return suite;
}

export interface Sizes {
  readonly warmup: number;
  readonly rounds: number;
  readonly perRound: number;
}

export interface Row {
  readonly suite: string;
  readonly name: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly opsPerSec: number;
  readonly ratio: number | undefined;
  readonly baseline: string | undefined;
  readonly goal: number | undefined;
  readonly note: string | undefined;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Warms every case up, then runs `rounds` rounds; each round runs every case `perRound` times,
 * in an order rotated from round to round, timing each call.
 */
export async function measure(suite: string, cases: readonly BenchCase[], sizes: Sizes) {
  for (const c of cases) {
    for (let i = 0; i < (c.warmup ?? sizes.warmup); i++) await (c.timed ?? c.run)();
  }
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const busy = new Map<string, number>(cases.map((c) => [c.name, 0]));
  for (let round = 0; round < sizes.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length] as BenchCase;
      const list = samples.get(c.name) as number[];
      const roundStart = performance.now();
      for (let i = 0; i < (c.perRound ?? sizes.perRound); i++) {
        const start = performance.now();
        if (c.timed) list.push(await c.timed());
        else {
          await c.run();
          list.push(performance.now() - start);
        }
      }
      busy.set(c.name, (busy.get(c.name) ?? 0) + performance.now() - roundStart);
    }
  }
  const medians = new Map<string, number>();
  const rows: Row[] = cases.map((c) => {
    const sorted = (samples.get(c.name) as number[]).sort((a, b) => a - b);
    const medianMs = quantile(sorted, 0.5);
    medians.set(c.name, medianMs);
    return {
      suite,
      name: c.name,
      medianMs,
      p95Ms: quantile(sorted, 0.95),
      opsPerSec: (sorted.length / (busy.get(c.name) ?? 1)) * 1000,
      ratio: undefined,
      baseline: c.baseline,
      goal: c.goal,
      note: c.note,
    };
  });
  return rows.map((row) => {
    const base = row.baseline === undefined ? undefined : medians.get(row.baseline);
    return base === undefined ? row : { ...row, ratio: row.medianMs / base };
  });
}

/** The results as one Markdown table. Each compared row sits under the baseline it names. */
export function formatTable(rows: readonly Row[]): string {
  const header = [
    "suite",
    "operation",
    "median ms",
    "p95 ms",
    "ops/s",
    "vs baseline",
    "goal",
    "notes",
  ];
  const lines = rows.map((r) => {
    const isBaseline = r.baseline === r.name;
    const met = r.goal !== undefined && r.ratio !== undefined && r.ratio <= r.goal;
    return [
      r.suite,
      r.name,
      r.medianMs.toFixed(3),
      r.p95Ms.toFixed(3),
      // Runs of whole batches take seconds: keep two decimals there rather than print 0.
      r.opsPerSec.toFixed(r.opsPerSec < 10 ? 2 : 0),
      isBaseline ? "baseline" : r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
      r.goal === undefined ? "" : `≤ ${r.goal.toFixed(2)}× ${met ? "✓" : "✗"}`,
      r.note ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

/** Counts the requests a client sends (an SDK middleware): `sent.n` after a run. */
export function counting(client: DynamoDBClient): { n: number } {
  const sent = { n: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      sent.n++;
      return next(args);
    },
    { step: "initialize" },
  );
  return sent;
}

/**
 * A client like the run's, of its own: each side counts only its own requests.
 * @example const own = await sameClient(client); // counts its own requests
 */
export async function sameClient(client: DynamoDBClient): Promise<DynamoDBClient> {
  const endpoint = await endpointOf(client);
  if (endpoint === undefined) return new DynamoDBClient({});
  return new DynamoDBClient(localClientConfig(endpoint));
}

/**
 * The URL of the run's DynamoDB Local, for a store that makes its own client as a new user's
 * does (`endpoint`, or DYNATOM_ENDPOINT).
 */
export async function endpointOf(client: DynamoDBClient): Promise<string | undefined> {
  const endpoint = await client.config.endpoint?.();
  return endpoint && `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
}

/** Counts a client's requests, all and PutItem alone (an SDK middleware). */
export function countingPuts(client: DynamoDBClient): { n: number; puts: number } {
  const sent = { n: 0, puts: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.n++;
      if (context.commandName === "PutItemCommand") sent.puts++;
      return next(args);
    },
    { step: "initialize" },
  );
  return sent;
}

/**
 * Creates a table keyed `pk`/`sk` (strings), on demand: what every suite's table is; `sortType`
 * "N" for a hand-written table whose sort key is a number.
 */
export async function createKeyedTable(
  client: DynamoDBClient,
  name: string,
  sortType: "S" | "N" = "S",
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: sortType },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
}
