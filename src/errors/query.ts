/** Errors of index queries: their conditions and cursors. */
export interface QueryErrorDetails {
  /** A sort-key condition that does not fit the index: unknown or out-of-order fields, a wrong type. */
  "query.invalid-condition": {
    readonly atom: string;
    readonly index: string;
    readonly reason: string;
  };
  /** A cursor that is not one dynatom made, or was cut or altered. */
  "query.bad-cursor": { readonly atom: string; readonly index: string };
  /** A cursor made by another query: another atom type, index, partition, condition or order. */
  "query.cursor-mismatch": {
    readonly atom: string;
    readonly index: string;
    /** The atom type and index the cursor came from, e.g. `account.byEmail`. */
    readonly cursorFrom: string;
  };
}
