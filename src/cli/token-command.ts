/**
 * `secretsctl token create`: signs a token locally with the token signing
 * key. The server holds only the public half, so issuing needs no call to
 * it; whoever can read the signing key can issue tokens.
 *
 * Limitation: that makes the signing key as sensitive as every token it
 * could mint; in dev mode it sits in the state folder beside the
 * database and the key-encryption key.
 */
import { parseDurationMs } from "../shared/durations.js";
import { invalidArgument, SecretsError } from "../shared/errors.js";
import { readSigningKey } from "../shared/key-files.js";
import { checkAlgorithm } from "../shared/names.js";
import { writePrivateFile } from "../shared/private-file.js";
import {
  ALL_ALGORITHMS,
  type Identity,
  issueToken,
  MAX_TOKEN_TTL_MS,
} from "../shared/tokens.js";
import { blameFile } from "./setting-files.js";

/** Default token lifetime, as the flag spells it: one working day. */
export const DEFAULT_TOKEN_TTL = "24h";

/** Word that stands for every algorithm in `--admin --algorithm all`. */
const ALL_WORD = "all";

export interface TokenCreateArgs {
  /** `--algorithm` values in order; one for an agent token. */
  algorithms: string[];
  isAdmin: boolean;
  ttl: string;
  subject: string;
  /** Resolved signing key path; absent when no setting or dev file names one. */
  signingKeyFile: string | undefined;
  /**
   * True when a flag or its environment twin named the signing key, so an
   * unreadable one is a usage error; false for the dev state folder's.
   */
  isSigningKeyFileGiven?: boolean | undefined;
  /** Write here (mode 0600) instead of standard output. */
  outFile?: string | undefined;
}

export interface TokenCreateResult {
  /** Text for standard output: the token itself, or a confirmation. */
  output: string;
}

/** Issues the token `args` describe. */
export async function createToken(
  args: TokenCreateArgs,
): Promise<TokenCreateResult> {
  const identity = identityFor(args);
  const ttlMs = parseDurationMs(args.ttl, "ttl");
  if (ttlMs < 1000 || ttlMs > MAX_TOKEN_TTL_MS) {
    throw invalidArgument("ttl", "must be between 1s and 365d");
  }
  const signingKeyFile = requireSigningKeyFile(args.signingKeyFile);
  const signingKey = blameFile(args.isSigningKeyFileGiven === true, () =>
    readSigningKey(signingKeyFile, "signing-key-file"),
  );

  const token = await issueToken({ signingKey, identity, ttlMs });
  if (!args.outFile) return { output: token };
  writeTokenFile(args.outFile, token);
  return { output: `wrote ${describe(identity)} to ${args.outFile}` };
}

function identityFor(args: TokenCreateArgs): Identity {
  if (args.subject.trim() === "") {
    throw invalidArgument("subject", "must not be empty");
  }
  if (!args.isAdmin) {
    const [algorithm, ...rest] = args.algorithms;
    if (algorithm === undefined || rest.length > 0) {
      throw invalidArgument(
        "algorithm",
        "an agent token names exactly one --algorithm OWNER/NAME",
      );
    }
    checkAlgorithm(algorithm);
    return { kind: "agent", algorithm, subject: args.subject };
  }
  return {
    kind: "admin",
    algorithms: adminScope(args.algorithms),
    subject: args.subject,
  };
}

function adminScope(algorithms: string[]): string[] {
  if (algorithms.length === 0) {
    throw invalidArgument(
      "algorithm",
      "name the algorithms an admin token may manage with --algorithm, " +
        "or --algorithm all",
    );
  }
  const unique = [...new Set(algorithms)];
  if (unique.includes(ALL_WORD)) {
    // `all` beside names would silently widen a token meant to be narrow.
    if (unique.length > 1) {
      throw invalidArgument(
        "algorithm",
        "'all' stands for every algorithm; give it alone, not with names",
      );
    }
    return [ALL_ALGORITHMS];
  }
  for (const algorithm of unique) checkAlgorithm(algorithm);
  return unique;
}

function requireSigningKeyFile(path: string | undefined): string {
  if (path) return path;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    "signing-key-file: no token signing key; pass --signing-key-file or " +
      "set SECRETS_TOKEN_SIGNING_KEY_FILE",
    { field: "signing-key-file" },
  );
}

/**
 * Writes the token as a private file: mode 0600 from its first byte even
 * when an older file had a looser mode, and never half-written. A path
 * that cannot be written is a usage error: the user typed it.
 */
function writeTokenFile(path: string, token: string): void {
  try {
    writePrivateFile(path, `${token}\n`);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unwritable";
    throw new SecretsError(
      "INVALID_ARGUMENT",
      `out: cannot write ${path} (${reason})`,
      { field: "out", cause: error },
    );
  }
}

function describe(identity: Identity): string {
  if (identity.kind === "agent") {
    return `agent token for ${identity.algorithm}`;
  }
  const scope = identity.algorithms.includes(ALL_ALGORITHMS)
    ? "all algorithms"
    : identity.algorithms.join(", ");
  return `admin token for ${scope}`;
}
