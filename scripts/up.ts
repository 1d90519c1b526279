// npm run up [-- --stack NAME]: provision (or update) the sandbox and print its URL.
import { runCommand } from "../src/cli/main.js";

await runCommand("up", process.argv.slice(2));
