// npm run status|logs|restart|stop|open|backup|restore [-- --stack NAME ...]: the day-two commands (src/cli/day-two.ts).
import { runCommand } from "../src/cli/main.js";

await runCommand(process.argv[2], process.argv.slice(3));
