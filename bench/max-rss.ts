// Preloaded into a CLI child by the cli-io bench (node --import): prints the process's peak
// resident memory on stderr as it exits, so the bench reads it without a platform tool.
import { writeSync } from "node:fs";

process.on("exit", () => {
  writeSync(2, `\nmax-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
