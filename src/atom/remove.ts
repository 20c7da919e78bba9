import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { OutcomeUnknownError } from "../errors/index.js";
import type { Failed } from "../executor/executor.js";
import { retrying } from "../executor/loop.js";
import { deleteAtom } from "../requests/atom.js";
import { readSeen, type Target } from "./write.js";

/**
 * Deletes the item once. A delete is unconditional, so a lost answer is not sent again (it could
 * delete an item made again since): the item is read instead. Absent after an answer that came
 * back (a 5xx), the delete is done, by us or by someone else: the atom is gone either way.
 * Present, or after a send that went out unanswered (it may still land), its outcome is unknown.
 */
export async function removeOnce(target: Target): Promise<void> {
  const { core } = target;
  let last: Failed | undefined;
  await retrying(
    target.retry,
    async (clock) => {
      const result = await core.executor.attempt(
        new DeleteItemCommand(deleteAtom(core.table, target.key)),
        clock.left(),
      );
      if (result.ok) return { done: undefined };
      last = result;
      if (!result.mayHaveApplied && result.failure !== "definite") {
        return { again: result.failure, cause: result.error };
      }
      if (!result.mayHaveApplied) throw core.executor.failed("DeleteItem", result);
      const current = result.mayLandLater
        ? undefined
        : await readSeen(target, clock.left()).catch(() => undefined);
      if (current?.exists === false) return { done: undefined };
      const why = result.mayLandLater
        ? "the delete went out unanswered and may still land"
        : "the item could not be read, or is there (perhaps made again since)";
      throw new OutcomeUnknownError(
        `Atom "${target.definition.name}" ${target.keyText}: the answer to destroy() was lost and ${why}. ` +
          "Deref the atom to see whether it is still there.",
        {
          details: {
            atom: target.definition.name,
            key: target.keyText,
            writeId: "(destroy)",
            reason: why,
          },
          cause: result.error,
        },
      );
    },
    () => {
      throw core.executor.failed("DeleteItem", last as Failed);
    },
  );
}
