/** Errors of the store: the table, the client, requests to DynamoDB. */
export interface StoreErrorDetails {
  /** The table does not exist: call `store.ensureTable()`. */
  "store.table-missing": { readonly table: string };
  /** The table exists with a key schema dynatom cannot use. */
  "store.table-mismatch": { readonly table: string; readonly problems: readonly string[] };
  /** GSIs the registered atoms need are missing and could not be added. */
  "store.index-missing": { readonly table: string; readonly missing: readonly string[] };
  /** DynamoDB (or the network) refused or failed a request; `cause` has the original error. */
  "store.request-failed": { readonly operation: string; readonly table: string };
  /** The store was closed. */
  "store.closed": { readonly table: string };
  /** An atom type that was not registered with this store. */
  "store.unknown-atom": { readonly atom: string };
  /** An option that cannot be used (`retry.deadlineMs: NaN`); `option` names it. */
  "store.invalid-option": { readonly option: string; readonly value: string };
  /**
   * The change feed cannot read the table's stream: it is off (and `ensureTable` could not turn it
   * on), or it carries no old and new images (`view` says what it carries).
   */
  "store.stream-off": { readonly table: string; readonly view?: string };
  /** An endpoint that is not `embedded`, `aws` or an http(s) URL; `from` says where it came from. */
  "store.invalid-endpoint": {
    readonly endpoint: string;
    readonly from: "endpoint" | "DYNATOM_ENDPOINT";
  };
}
