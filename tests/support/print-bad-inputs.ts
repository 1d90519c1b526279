// Prints each bad input and the message the program actually produced (for the closing note).
// Usage: npx tsx tests/support/print-bad-inputs.ts
import { BAD_INPUTS } from "./bad-inputs.js";
import { runProgram } from "./program.js";

for (const bad of BAD_INPUTS) {
  const message = await runProgram({ stackFile: bad.stackFile, overrides: bad.overrides }).then(
    () => "(no error)",
    (e: Error) => e.message,
  );
  console.log(`- ${bad.what} ${JSON.stringify(bad.overrides)}:\n  ${message.replaceAll("\n", "\n  ")}`);
}
