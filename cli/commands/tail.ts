import type { Command } from "../command.js";
import { badInput } from "../failure.js";

export const tail: Command = {
  summary: "the change feed, decoded, one JSON line per change (not available yet)",
  help: `Usage: dynatom tail <atom…> --table T --atoms PATH [--from latest|trim-horizon] [--group G]

Not available yet: it follows dynatom's change feed (DynamoDB Streams), which a coming release
adds. Until then, read the stream with your own consumer and decode NewImage/OldImage with
Atom.decode(image).

Exit codes: 2 (not available in this release).`,
  async run() {
    throw badInput(
      "the change feed is not in this release of dynatom yet, so there is nothing to tail; " +
        "decode a stream's NewImage with YourAtom.decode(image) meanwhile",
    );
  },
};
