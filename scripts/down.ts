// npm run down [-- --stack NAME]: remove the sandbox container; the volumes (your data) stay.
import { runCommand } from "../src/cli/main.js";

await runCommand("down", process.argv.slice(2));
