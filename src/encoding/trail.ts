import { DecodeError, EncodingError } from "../errors/index.js";
import { MAX_DEPTH } from "./limits.js";
import { formatPath, type PathStep } from "./path.js";

// DynamoDB never nests deeper than 32; the margin only guards the stack against hostile input.
const MAX_DECODE_DEPTH = 64;

/**
 * Where a walk over one value is, for errors that name the path, and how deep it may go. Encoding
 * and decoding walk the same tree, so they keep their place the same way; they differ only in
 * what they throw.
 */
abstract class Trail {
  readonly path: PathStep[] = [];

  /** The path as messages show it. */
  where(): string {
    return formatPath(this.path);
  }

  /** Throws when a container at `depth` is deeper than this direction allows. */
  abstract checkDepth(depth: number): void;
}

/** The encoder's trail: it also knows which objects enclose it, to refuse cycles. */
export class EncodeTrail extends Trail {
  // The containers entered and not yet left, outermost first. At most MAX_DEPTH deep, so a scan
  // is cheaper than a Set's hashing.
  readonly #open: object[] = [];

  fail(what: string, hint: string, cause?: unknown): never {
    const path = this.where();
    throw new EncodingError("encoding.unsupported", `Cannot store ${what} at ${path}: ${hint}`, {
      details: { path, what },
      cause,
    });
  }

  checkDepth(depth: number): void {
    if (depth <= MAX_DEPTH) return;
    const path = this.where();
    throw new EncodingError(
      "encoding.too-deep",
      `The value at ${path} nests deeper than the ${MAX_DEPTH} levels DynamoDB allows (the item is level 1) ` +
        "(a Map with non-string keys or an object with unusual keys takes two levels per entry). " +
        "Flatten it, or store the deep part as a string.",
      { details: { path, limit: MAX_DEPTH } },
    );
  }

  /** Steps into a container at `depth`: refused when too deep or when it encloses itself. */
  enter(value: object, depth: number): void {
    this.checkDepth(depth);
    if (this.#open.includes(value)) {
      const path = this.where();
      throw new EncodingError(
        "encoding.circular",
        `The value at ${path} contains itself (a circular reference); DynamoDB stores trees only. ` +
          "Store an id and look the other value up instead.",
        { details: { path } },
      );
    }
    this.#open.push(value);
  }

  /** Steps out of the container entered last. */
  leave(): void {
    this.#open.pop();
  }
}

/** The decoder's trail: every failure is a malformed stored value at the current path. */
export class DecodeTrail extends Trail {
  fail(reason: string): never {
    const path = this.where();
    throw new DecodeError(
      "decode.malformed",
      `Cannot decode the stored value at ${path}: ${reason}.`,
      {
        details: { path, reason },
      },
    );
  }

  checkDepth(depth: number): void {
    if (depth > MAX_DECODE_DEPTH) this.fail("it nests deeper than DynamoDB allows");
  }

  /** A stored value of a class or custom type this process has not registered. */
  unregistered(what: string, identifier: string, register: string): never {
    const path = this.where();
    throw new DecodeError(
      "decode.unregistered",
      `The stored value at ${path} is ${what}, which is not registered here: ${register} from "dynatom" before decoding.`,
      { details: { path, identifier } },
    );
  }
}
