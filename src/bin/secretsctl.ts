#!/usr/bin/env node
/**
 * `secretsctl`: manage algorithm secrets and issue tokens. See
 * `secretsctl --help`; the work happens in src/cli/.
 */
import { runCli } from "../cli/program.js";

process.exitCode = await runCli(process.argv);
