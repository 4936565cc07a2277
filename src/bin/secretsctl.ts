#!/usr/bin/env node
/**
 * `secretsctl`: manage algorithm secrets and issue tokens. See
 * `secretsctl --help`; the work happens in src/cli/.
 *
 * The process exits as soon as the command is done rather than waiting
 * for the event loop to drain: a TLS connect to a peer that never answers
 * outlives `client.close()` in grpc-js, and would hold a timed-out command
 * open long after it reported the deadline. Standard output and error are
 * written synchronously to files, pipes and terminals on Linux, so nothing
 * printed is lost.
 */
import { runCli } from "../cli/program.js";

process.exit(await runCli(process.argv));
