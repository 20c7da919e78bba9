/** The options and results of the key-value facade's calls (see `KeyValue`). */

export interface KvSetOptions {
  /** Seconds until the key expires: from then on it is absent for every read and listing. */
  readonly ttlSeconds?: number;
}

export interface KvPutOptions extends KvSetOptions {
  /** Create only: `kv.key-exists` when a live value is there. */
  readonly ifAbsent?: boolean;
  /** Replace only this version: `kv.version-mismatch`, or `kv.not-found` when there is none. */
  readonly ifVersion?: number;
}

export interface KvDeleteOptions {
  /** Delete only this version: `kv.version-mismatch`, or `kv.not-found` when there is none. */
  readonly ifVersion?: number;
}

/** A key's value with its version (1 for the first write, then 2, 3, …) and expiry. */
export interface KvEntry<T = unknown> {
  readonly value: T;
  readonly version: number;
  readonly expiresAt?: Date;
}

export interface BlobOptions {
  /** Chunks written or read at once (1 to 32; default 4): memory holds about that many + 1. */
  readonly concurrency?: number;
}
