import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/** A stored item: its attribute values by name, as the SDK sends and returns them. */
export type Item = Record<string, AttributeValue>;

/** A value's fields by name, as callers give them. */
export type Fields = Readonly<Record<string, unknown>>;
