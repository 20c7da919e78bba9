/** Errors of the encoding layer: turning values into what DynamoDB stores, before any request. */
export interface EncodingErrorDetails {
  /** The value has no place in an index order (NaN, an invalid Date, a lone surrogate, …). */
  "encoding.unindexable": { readonly value: string; readonly reason: string };
  /** A function, a symbol, an unregistered class instance, symbol keys, a non-object item. */
  "encoding.unsupported": { readonly path: string; readonly what: string };
  /** The value contains itself. */
  "encoding.circular": { readonly path: string };
  /** Maps and lists nest deeper than DynamoDB allows. */
  "encoding.too-deep": { readonly path: string; readonly limit: number };
  /** A top-level field whose name cannot be an attribute name, or is reserved. */
  "encoding.invalid-name": { readonly path: string; readonly name: string };
  /** The encoded item is over DynamoDB's item size limit. */
  "encoding.item-too-large": {
    readonly size: number;
    readonly limit: number;
    /** The largest attributes, largest first, with their size in bytes (name included). */
    readonly largest: readonly { readonly name: string; readonly size: number }[];
  };
}
