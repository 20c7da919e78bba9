import type { AtomErrorDetails } from "./atom.js";
import type { BatchErrorDetails } from "./batch.js";
import type { DecodeErrorDetails } from "./decode.js";
import type { DefinitionErrorDetails } from "./definition.js";
import type { EncodingErrorDetails } from "./encoding.js";
import type { FilterErrorDetails } from "./filter.js";
import type { KvErrorDetails } from "./kv.js";
import type { LocalErrorDetails } from "./local.js";
import type { QueryErrorDetails } from "./query.js";
import type { SchemaErrorDetails } from "./schema.js";
import type { StoreErrorDetails } from "./store.js";
import type { TransactionErrorDetails } from "./transaction.js";
import type { UpdateErrorDetails } from "./update.js";

/**
 * Maps each error code to the shape of its `details`. Each family declares its codes in its own
 * file here; adding a family means adding it to this list.
 */
export interface ErrorDetailsByCode
  extends LocalErrorDetails,
    EncodingErrorDetails,
    DecodeErrorDetails,
    DefinitionErrorDetails,
    SchemaErrorDetails,
    StoreErrorDetails,
    AtomErrorDetails,
    QueryErrorDetails,
    BatchErrorDetails,
    TransactionErrorDetails,
    FilterErrorDetails,
    UpdateErrorDetails,
    KvErrorDetails {}
