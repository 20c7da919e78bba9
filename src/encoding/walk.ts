import { EncodingError } from "../errors/index.js";
import { MAX_DEPTH } from "./limits.js";
import { formatPath, type PathStep } from "./path.js";

/** The walk's state: where we are (for errors) and which objects enclose us (for cycles). */
export class Walk {
  readonly path: PathStep[] = [];
  readonly open = new Set<object>();

  fail(code: "encoding.unsupported", what: string, hint: string, cause?: unknown): never {
    const path = formatPath(this.path);
    throw new EncodingError(code, `Cannot store ${what} at ${path}: ${hint}`, {
      details: { path, what },
      cause,
    });
  }

  enter(value: object, depth: number): void {
    if (depth > MAX_DEPTH) {
      const path = formatPath(this.path);
      throw new EncodingError(
        "encoding.too-deep",
        `The value at ${path} nests deeper than the ${MAX_DEPTH} levels DynamoDB allows (the item is level 1) ` +
          "(a Map with non-string keys or an object with unusual keys takes two levels per entry). " +
          "Flatten it, or store the deep part as a string.",
        { details: { path, limit: MAX_DEPTH } },
      );
    }
    if (this.open.has(value)) {
      const path = formatPath(this.path);
      throw new EncodingError(
        "encoding.circular",
        `The value at ${path} contains itself (a circular reference); DynamoDB stores trees only. ` +
          "Store an id and look the other value up instead.",
        { details: { path } },
      );
    }
    this.open.add(value);
  }

  leave(value: object): void {
    this.open.delete(value);
  }
}
