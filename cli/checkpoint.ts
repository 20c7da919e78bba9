import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { badInput } from "./failure.js";

/**
 * A JSON file beside a command's output or input that records how far it got. Saved by writing
 * a temporary file and renaming it, so that a kill at any moment leaves the old checkpoint or
 * the new one, never half of one.
 */
export class Checkpoint<T> {
  constructor(readonly path: string) {}

  /** The saved state, or undefined when there is none. A file that is not JSON is bad input. */
  async load(): Promise<T | undefined> {
    const text = await readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw badInput(`${this.path} is not a checkpoint dynatom wrote: delete it to start over`);
    }
  }

  async save(state: T): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(state)}\n`);
    await rename(temporary, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
