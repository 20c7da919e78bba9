// Starts DynamoDB Local, prints {pid, port} and then waits, or exits at once with `exit`.
// A started server ends with the process however it ends. Errors print as {code, message}.
import { isDynatomError } from "dynatom";
import { startLocal } from "dynatom/local";

try {
  const local = await startLocal();
  console.log(JSON.stringify({ pid: local.pid, port: local.port }));
  if (process.argv[2] === "exit") process.exit(0);
  setInterval(() => {}, 60_000);
} catch (err) {
  if (!isDynatomError(err)) throw err;
  console.log(JSON.stringify({ code: err.code, message: err.message }));
  process.exitCode = 3;
}
