/**
 * JVM options for a short-lived local DynamoDB: it must answer soon after it starts, and its
 * peak speed matters less. Each was measured on a 2-core machine from the spawn to the first
 * answered request (`npm run bench -- startup`); the README lists the figures. The serial GC
 * was tried too and left out: it started no faster than the default G1.
 */
export const FAST_START_OPTIONS: readonly string[] = [
  // The client compiler alone: C2 spends the start-up compiling code that runs a few times.
  "-XX:TieredStopAtLevel=1",
  // The jar's classes are loaded from a package the user installed, as trusted as the JVM; its
  // ~5,000 classes are not verified again at every start.
  "-XX:+UnlockDiagnosticVMOptions",
  "-XX:-BytecodeVerificationRemote",
  // DynamoDB Local logs through log4j, whose core (≈700 classes, plugin scanning) is most of its
  // start-up; its simple logger prints the same errors to stderr.
  "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
];
