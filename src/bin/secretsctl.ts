#!/usr/bin/env node
/**
 * `secretsctl`: manage algorithm secrets and issue tokens. See
 * `secretsctl --help`; the work happens in src/cli/.
 */
import { runCli } from "../cli/program.js";
import { silenceIpServernameWarning } from "../cli/quiet-warnings.js";

silenceIpServernameWarning();
process.exitCode = await runCli(process.argv);
