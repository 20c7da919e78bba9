import type { DecodeErrorDetails } from "./decode.js";
import type { DefinitionErrorDetails } from "./definition.js";
import { DynatomError, type DynatomErrorOptions } from "./dynatom-error.js";
import type { EncodingErrorDetails } from "./encoding.js";
import type { TransactionErrorDetails } from "./transaction.js";

type EncodingCode = Exclude<keyof EncodingErrorDetails, "encoding.item-too-large">;

/**
 * A value dynatom cannot store: a function, a symbol, a circular reference, an unregistered class
 * instance, nesting deeper than DynamoDB allows. `details.path` names where, e.g. `prefs.theme.onChange`.
 */
export class EncodingError<C extends EncodingCode = EncodingCode> extends DynatomError<C> {
  override name = "EncodingError";
}

/** An item over DynamoDB's 400 KB, with its size, the limit and its largest attributes. */
export class ItemTooLargeError extends DynatomError<"encoding.item-too-large"> {
  override name = "ItemTooLargeError";
  constructor(message: string, options: DynatomErrorOptions<"encoding.item-too-large">) {
    super("encoding.item-too-large", message, options);
  }
}

/** A stored item that cannot be decoded: malformed, or naming a type not registered here. */
export class DecodeError<
  C extends keyof DecodeErrorDetails = keyof DecodeErrorDetails,
> extends DynatomError<C> {
  override name = "DecodeError";
}

/** A wrong `defineAtom` declaration, or atoms that clash in one store. Names the atom and field. */
export class DefinitionError<
  C extends keyof DefinitionErrorDetails = keyof DefinitionErrorDetails,
> extends DynatomError<C> {
  override name = "DefinitionError";
}

/** A value that does not match its atom's schema; `details.issues` are valibot's. Nothing was sent. */
export class ValidationError extends DynatomError<"schema.invalid-value"> {
  override name = "ValidationError";
  constructor(message: string, options: DynatomErrorOptions<"schema.invalid-value">) {
    super("schema.invalid-value", message, options);
  }
}

/** A swap whose retries ran out under contention. Nothing was written; `details.attempts` says how often it tried. */
export class SwapConflictError extends DynatomError<"atom.swap-conflict"> {
  override name = "SwapConflictError";
  constructor(message: string, options: DynatomErrorOptions<"atom.swap-conflict">) {
    super("atom.swap-conflict", message, options);
  }
}

/**
 * A write whose outcome dynatom cannot know (the network lost the answer and the item has moved
 * on too far to tell): it was applied exactly once or not at all, never twice. Read the atom to see.
 */
export class OutcomeUnknownError extends DynatomError<"atom.outcome-unknown"> {
  override name = "OutcomeUnknownError";
  constructor(message: string, options: DynatomErrorOptions<"atom.outcome-unknown">) {
    super("atom.outcome-unknown", message, options);
  }
}

/** A mutation through an atom handle after its `destroy()`. */
export class AtomDestroyedError extends DynatomError<"atom.destroyed"> {
  override name = "AtomDestroyedError";
  constructor(message: string, options: DynatomErrorOptions<"atom.destroyed">) {
    super("atom.destroyed", message, options);
  }
}

/**
 * Keys of a batch that were not read or written even after retries: `details.failed` lists
 * exactly those keys, and every other key of the call succeeded. Nothing is silently dropped.
 */
export class BatchIncompleteError extends DynatomError<"batch.incomplete"> {
  override name = "BatchIncompleteError";
  constructor(message: string, options: DynatomErrorOptions<"batch.incomplete">) {
    super("batch.incomplete", message, options);
  }
}

/** A transaction refused, cancelled or of unknown outcome; `code` says which. */
export class TransactionError<
  C extends keyof TransactionErrorDetails = keyof TransactionErrorDetails,
> extends DynatomError<C> {
  override name = "TransactionError";
}
