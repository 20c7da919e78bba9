// What a stored value looks like in the DynamoDB console: the picture in the README.
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { decodeItem, encodeItem, toDynamoJson } from "dynatom";
import { difference } from "../helpers/same.js";
import { useTestTable } from "../helpers/table.js";

const db = useTestTable(test);

async function stored(id: string, value: Record<string, unknown>) {
  const { client, table } = db();
  const Key = { pk: { S: `account#${id}` }, sk: { S: "account" } };
  await client.send(
    new PutItemCommand({ TableName: table, Item: { ...Key, ...encodeItem(value) } }),
  );
  const got = await client.send(
    new GetItemCommand({ TableName: table, Key, ConsistentRead: true }),
  );
  return got.Item ?? {};
}

test("plain data is stored exactly as hand-written JSON, with no extra attribute", async (t) => {
  const value = {
    id: "a1",
    name: "Ada Lovelace",
    balance: 120.5,
    active: true,
    tags: ["math", "engines"],
    address: { city: "London", zip: null },
  };
  const item = await stored("a1", value);
  const picture = toDynamoJson(item);
  t.log(`\n${picture}`);
  t.is(
    picture,
    `{
  "pk": {"S":"account#a1"},
  "sk": {"S":"account"},
  "active": {"BOOL":true},
  "address": {"M":{"city":{"S":"London"},"zip":{"NULL":true}}},
  "balance": {"N":"120.5"},
  "id": {"S":"a1"},
  "name": {"S":"Ada Lovelace"},
  "tags": {"L":[{"S":"math"},{"S":"engines"}]}
}`,
  );
  const { pk: _pk, sk: _sk, ...rest } = item;
  t.deepEqual(decodeItem(rest), value);
});

test("rich data keeps natural types, with one small note for what they cannot say", async (t) => {
  const value = {
    id: "a2",
    email: "ada@example.com",
    balance: 1234567890123456789012345678901234567890n,
    credits: 250n,
    createdAt: new Date("2026-11-23T09:00:00.000Z"),
    score: 12.5,
    tags: new Set(["admin", "beta"]),
    prefs: new Map<string, unknown>([
      ["theme", "dark"],
      ["fontSize", 14],
    ]),
    avatar: new Uint8Array([137, 80, 78, 71]),
    ratio: Number.NaN,
    nickname: undefined,
  };
  const item = await stored("a2", value);
  const picture = toDynamoJson(item);
  t.log(`\n${picture}`);
  t.is(
    picture,
    String.raw`{
  "pk": {"S":"account#a2"},
  "sk": {"S":"account"},
  "avatar": {"B":"iVBORw=="},
  "balance": {"S":"1234567890123456789012345678901234567890"},
  "createdAt": {"S":"2026-11-23T09:00:00.000Z"},
  "credits": {"N":"250"},
  "email": {"S":"ada@example.com"},
  "id": {"S":"a2"},
  "nickname": {"NULL":true},
  "prefs": {"M":{"fontSize":{"N":"14"},"theme":{"S":"dark"}}},
  "ratio": {"S":"NaN"},
  "score": {"N":"12.5"},
  "tags": {"SS":["admin","beta"]},
  "_types": {"S":"{\"v\":1,\"t\":{\"balance\":\"bigint\",\"credits\":\"bigint\",\"createdAt\":\"Date\",\"prefs\":{\"t\":\"map\",\"k\":[\"theme\",\"fontSize\"]},\"ratio\":\"number\",\"nickname\":\"undefined\"}}"}
}`,
  );
  const { pk: _pk, sk: _sk, ...rest } = item;
  t.is(difference(value, decodeItem(rest)), undefined);
});
