// The pure request builders: what each request will carry, without sending it.
import test from "ava";
import {
  batchGet,
  batchWrite,
  batchWriteIds,
  conditionOn,
  deleteAtom,
  getAtom,
  putAtom,
  queryIndex,
  transactWrite,
} from "../../src/requests/index.js";

const key = { pk: { S: "$app#counter_1#name_a" }, sk: { S: "$counter_1" } };

test("an atom is read strongly consistently", (t) => {
  t.deepEqual(getAtom("app", key), { TableName: "app", Key: key, ConsistentRead: true });
  t.deepEqual(deleteAtom("app", key), { TableName: "app", Key: key });
});

test("a write on an absent atom applies only while the item is absent", (t) => {
  const input = putAtom(
    "app",
    { ...key, n: { N: "1" } },
    { exists: false, version: 0, writes: [] },
  );
  t.is(input.ConditionExpression, "attribute_not_exists(#pk)");
  t.deepEqual(input.ExpressionAttributeNames, { "#pk": "pk" });
  t.is(input.ReturnValuesOnConditionCheckFailure, "ALL_OLD");
});

test("a write on a versioned item names its version and its last write id, delimited", (t) => {
  const condition = conditionOn({ exists: true, version: 7, writes: ["w1", "w2"] });
  t.is(condition.ConditionExpression, "#ver = :ver AND contains(#w, :last)");
  // A substring test on ".w1.w2.": the delimiters make it match the id w2 and nothing else.
  t.deepEqual(condition.ExpressionAttributeValues, { ":ver": { N: "7" }, ":last": { S: ".w2." } });
});

test("a write on an item of an older release tests the list of write ids it holds", (t) => {
  const condition = conditionOn({
    exists: true,
    version: 7,
    writes: ["DrSv0TNimCQr", "MgHP5bUu-iaG"],
    writesForm: "list",
  });
  t.is(condition.ConditionExpression, "#ver = :ver AND contains(#w, :last)");
  // contains on a list compares each element: the bare id.
  t.deepEqual(condition.ExpressionAttributeValues, {
    ":ver": { N: "7" },
    ":last": { S: "MgHP5bUu-iaG" },
  });
  const blind = conditionOn({
    exists: true,
    version: 0,
    writes: ["DrSv0TNimCQr"],
    writesForm: "list",
  });
  t.deepEqual(blind.ExpressionAttributeValues, { ":last": { S: "DrSv0TNimCQr" } });
});

test("a write on an item written blind names its write id; on a foreign item, no version", (t) => {
  const blind = conditionOn({ exists: true, version: 0, writes: ["b1"] });
  t.is(
    blind.ConditionExpression,
    "attribute_exists(#pk) AND attribute_not_exists(#ver) AND contains(#w, :last)",
  );
  t.deepEqual(blind.ExpressionAttributeValues, { ":last": { S: ".b1." } });
  const foreign = conditionOn({ exists: true, version: 0, writes: [] });
  t.is(foreign.ConditionExpression, "attribute_exists(#pk) AND attribute_not_exists(#ver)");
  t.is(foreign.ExpressionAttributeValues, undefined);
});

test("batch chunks: writes as given, reads consistent or not, the read-back only keys and ids", (t) => {
  const put = { PutRequest: { Item: { ...key, n: { N: "1" } } } };
  t.deepEqual(batchWrite("app", [put]), { RequestItems: { app: [put] } });
  t.deepEqual(batchGet("app", [key], false), {
    RequestItems: { app: { Keys: [key], ConsistentRead: false } },
  });
  const back = batchWriteIds("app", [{ ...key, n: { N: "1" } }]);
  t.deepEqual(back.RequestItems?.app?.Keys, [key], "only the key attributes");
  t.true(back.RequestItems?.app?.ConsistentRead);
  t.is(back.RequestItems?.app?.ProjectionExpression, "#pk, #sk, #w");
});

test("a transaction carries its token, so that a resend answers the first outcome", (t) => {
  const input = transactWrite([{ ConditionCheck: undefined }], "token-1");
  t.is(input.ClientRequestToken, "token-1");
  t.is(input.TransactItems?.length, 1);
});

test("an index page: partition, sort condition, order, start and limit", (t) => {
  const input = queryIndex({
    table: "app",
    gsi: "gsi2",
    partition: "p",
    sort: { expression: "#sk > :lo", values: { ":lo": { S: "a" } } },
    ascending: false,
    start: key,
    limit: 11,
  });
  t.deepEqual(input, {
    TableName: "app",
    IndexName: "gsi2",
    KeyConditionExpression: "#pk = :pk AND #sk > :lo",
    ExpressionAttributeNames: { "#pk": "gsi2pk", "#sk": "gsi2sk" },
    ExpressionAttributeValues: { ":pk": { S: "p" }, ":lo": { S: "a" } },
    ScanIndexForward: false,
    ExclusiveStartKey: key,
    Limit: 11,
  });
});
