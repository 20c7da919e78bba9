import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type TableDescription,
  UpdateTableCommand,
  type UpdateTableCommandInput,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DynatomError, isDynatomError } from "../errors/index.js";
import type { Executor } from "../executor/executor.js";
import type { RetryPolicy } from "../executor/policy.js";
import {
  attributeDefinitions,
  createTable,
  gsiDefinition,
  neededIndexes,
} from "../requests/table.js";
import { TTL_ATTRIBUTE } from "../schema/bookkeeping.js";
import type { IndexShape } from "../schema/types.js";

const POLL_MS = 250;
const WAIT_MS = 15 * 60_000;

/** What is wrong with an existing table's keys for dynatom, if anything. */
function keySchemaProblems(description: TableDescription, gsis: readonly string[]): string[] {
  const problems: string[] = [];
  const schema = (keys: TableDescription["KeySchema"]) =>
    (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(",");
  if (schema(description.KeySchema) !== "pk:HASH,sk:RANGE") {
    problems.push(
      `its key is (${schema(description.KeySchema)}), dynatom needs pk (hash) and sk (range)`,
    );
  }
  for (const gsi of description.GlobalSecondaryIndexes ?? []) {
    if (
      gsis.includes(gsi.IndexName ?? "") &&
      schema(gsi.KeySchema) !== `${gsi.IndexName}pk:HASH,${gsi.IndexName}sk:RANGE`
    ) {
      problems.push(`its index ${gsi.IndexName} has key (${schema(gsi.KeySchema)})`);
    }
  }
  return problems;
}

async function describeTable(
  executor: Executor,
  policy: RetryPolicy,
): Promise<TableDescription | undefined> {
  const { table } = executor;
  try {
    return (await executor.read(() => new DescribeTableCommand({ TableName: table }), policy))
      .Table;
  } catch (err) {
    if (isDynatomError(err, "store.table-missing")) return undefined;
    throw err;
  }
}

/**
 * Sends a table change until it is answered. A lost answer is sent again: a repeated create is
 * answered "in use", a repeated index update "exists", and both are taken as done.
 */
async function change(
  executor: Executor,
  policy: RetryPolicy,
  make: () => CreateTableCommand | UpdateTableCommand | UpdateTimeToLiveCommand,
): Promise<void> {
  await executor.repeat(make, policy, ({ error }) => {
    const e = error as { name?: string; message?: string };
    return (
      e.name === "ResourceInUseException" ||
      /already exists|already enabled|already has an enabled stream/i.test(e.message ?? "")
    );
  });
}

function updateTable(
  executor: Executor,
  policy: RetryPolicy,
  input: Omit<UpdateTableCommandInput, "TableName">,
): Promise<void> {
  return change(
    executor,
    policy,
    () => new UpdateTableCommand({ TableName: executor.table, ...input }),
  );
}

/** Waits until the table and all its GSIs are ACTIVE. */
async function waitActive(executor: Executor, policy: RetryPolicy): Promise<TableDescription> {
  const { table } = executor;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const description = await describeTable(executor, policy);
    const active =
      description?.TableStatus === "ACTIVE" &&
      (description.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === "ACTIVE");
    if (description && active) return description;
    if (Date.now() > deadline) {
      throw new DynatomError(
        "store.request-failed",
        `The table "${table}" did not become active in time.`,
        {
          details: { operation: "ensureTable", table },
          retryable: true,
        },
      );
    }
    await sleep(POLL_MS);
  }
}

/** `store.ensureTable(options)`. */
export interface EnsureTableOptions {
  /**
   * Turn the table's stream on (new and old images) for the change feed; default true. Pass
   * false where nothing reads changes: DynamoDB Local slows every write to a table with a
   * stream by the number of streams it has held (see the README's limits). An existing stream
   * is never turned off.
   */
  readonly stream?: boolean;
}

/**
 * Creates the table with the GSIs the atoms need, or adds the missing GSIs to an existing one
 * (one at a time, as DynamoDB requires, waiting until each is active). Does nothing when all is
 * there. New tables are on-demand (PAY_PER_REQUEST).
 */
export async function ensureTable(
  executor: Executor,
  indexes: Iterable<IndexShape>,
  policy: RetryPolicy,
  {
    ttl = false,
    stream = true,
  }: { readonly ttl?: false | "wanted" | "required"; readonly stream?: boolean } = {},
): Promise<void> {
  const { table } = executor;
  const gsis = neededIndexes(indexes);
  let description = await describeTable(executor, policy);
  if (description === undefined) {
    await change(
      executor,
      policy,
      () => new CreateTableCommand(createTable(table, gsis, { stream })),
    );
    // Another process may have created it at the same moment: that is just as good.
    description = await waitActive(executor, policy);
  }
  const problems = keySchemaProblems(description, gsis);
  if (problems.length > 0) {
    throw new DynatomError(
      "store.table-mismatch",
      `The table "${table}" cannot hold dynatom's atoms: ${problems.join("; ")}. Use another table name.`,
      { details: { table, problems } },
    );
  }
  const present = new Set((description.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName));
  const missing = gsis.filter((gsi) => !present.has(gsi));
  for (const [done, gsi] of missing.entries()) {
    const provisioned = description.BillingModeSummary?.BillingMode === "PROVISIONED";
    const throughput = description.ProvisionedThroughput;
    try {
      await updateTable(executor, policy, {
        AttributeDefinitions: attributeDefinitions([gsi]),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              ...gsiDefinition(gsi),
              ...(provisioned && throughput
                ? {
                    ProvisionedThroughput: {
                      ReadCapacityUnits: throughput.ReadCapacityUnits ?? 1,
                      WriteCapacityUnits: throughput.WriteCapacityUnits ?? 1,
                    },
                  }
                : {}),
            },
          },
        ],
      });
      description = await waitActive(executor, policy);
    } catch (err) {
      const left = missing.slice(done);
      throw new DynatomError(
        "store.index-missing",
        `The table "${table}" lacks the index${left.length > 1 ? "es" : ""} ${left.join(", ")} that the ` +
          `registered atoms need, and adding ${gsi} failed: ${(err as Error).message}. Add ` +
          `${left.map((name) => `${name} (keys ${name}pk, ${name}sk: strings)`).join(", ")} yourself, or allow UpdateTable.`,
        { details: { table, missing: left }, cause: err },
      );
    }
  }
  // On DynamoDB Local, a GSI added to a table whose TTL is on can stay CREATING for good
  // (measured: 3 of 18 tables). The facade's expiry holds by reads alone, so there TTL is
  // turned on only where an atom type declares `ttl`.
  const local = description.TableArn?.includes(":ddblocal:") === true;
  if (ttl === "required" || (ttl === "wanted" && !local)) {
    await ensureTimeToLive(executor, policy, ttl === "required");
  }
  if (stream && description.StreamSpecification?.StreamEnabled !== true) {
    await ensureStream(executor, policy);
  }
}

/**
 * Turns the table's stream on, with old and new images, for the change feed. A stream already
 * on with another view is left alone (others may read it); `store.changes` says what to do.
 */
async function ensureStream(executor: Executor, policy: RetryPolicy): Promise<void> {
  const { table } = executor;
  try {
    await updateTable(executor, policy, {
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  } catch (err) {
    throw new DynatomError(
      "store.stream-off",
      `The table "${table}" has no stream, and turning it on failed: ${(err as Error).message}. ` +
        "Turn on its stream with NEW_AND_OLD_IMAGES yourself (the change feed reads it), or allow UpdateTable.",
      { details: { table }, cause: err },
    );
  }
  await waitActive(executor, policy);
}

/**
 * Turns DynamoDB's TTL on for `_ttl`: expired items are then deleted by DynamoDB (within days;
 * reads treat them as absent at once). Another TTL attribute already on is a table dynatom
 * cannot use as asked where an atom type declares `ttl` (`required`): `store.table-mismatch`.
 * For the key-value facade alone it is left as it is: expired keys then stay absent to every
 * read, but DynamoDB does not delete them.
 */
async function ensureTimeToLive(
  executor: Executor,
  policy: RetryPolicy,
  required: boolean,
): Promise<void> {
  const { table } = executor;
  const { TimeToLiveDescription: now } = await executor.read(
    () => new DescribeTimeToLiveCommand({ TableName: table }),
    policy,
  );
  const status = now?.TimeToLiveStatus;
  if (status === "ENABLED" || status === "ENABLING") {
    if (now?.AttributeName === TTL_ATTRIBUTE || !required) return;
    const problem = `its TTL is on for "${now?.AttributeName}", and atoms with ttl need it on "${TTL_ATTRIBUTE}"`;
    throw new DynatomError(
      "store.table-mismatch",
      `The table "${table}" cannot hold dynatom's atoms: ${problem}. Turn it off, or use another table.`,
      { details: { table, problems: [problem] } },
    );
  }
  await change(
    executor,
    policy,
    () =>
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TTL_ATTRIBUTE },
      }),
  );
}
