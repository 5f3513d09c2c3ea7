/** The `nas` process (bin/nas.mjs imports this module): runs the command line on its streams and environment. */
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// A failed command ends the process at once, so nothing it started (the embedded store or job pool of a
// `nas serve` that failed half-way) holds it open. A command that succeeded ends by itself once its work
// is done, after its output drained, and `nas serve` goes on serving.
if (code !== 0) process.exit(code);
