/** What went wrong with one operation of a transaction. */
export interface TransactionOperationFailure {
  /** The operation's position in the array the transaction function returned. */
  readonly index: number;
  readonly kind: "put" | "delete" | "swap" | "check";
  readonly atom: string;
  readonly key: string;
  readonly reason: string;
}

/** Errors of `store.transact`. */
export interface TransactionErrorDetails {
  /** More than 100 operations or 4 MB; refused before any write was sent. */
  "transaction.too-large": {
    readonly operations: number;
    readonly bytes: number;
    readonly reason: string;
  };
  /** Two operations on the same item; DynamoDB refuses that, so nothing was sent. */
  "transaction.duplicate-item": {
    readonly atom: string;
    readonly key: string;
    readonly positions: readonly [number, number];
  };
  /** DynamoDB cancelled the transaction; nothing was written. `failures` names the operations. */
  "transaction.cancelled": {
    readonly failures: readonly TransactionOperationFailure[];
  };
  /** Conflicts kept cancelling the transaction until the retries ran out; nothing was written. */
  "transaction.conflict": { readonly attempts: number; readonly elapsedMs: number };
  /** The transaction function returned something that is not an array of `tx` operations. */
  "transaction.invalid-operation": { readonly index?: number; readonly reason: string };
  /** The answer was lost and the retries ran out: the transaction applied once or not at all. */
  "transaction.outcome-unknown": { readonly token: string; readonly reason: string };
}
