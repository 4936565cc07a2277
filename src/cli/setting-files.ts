/**
 * Who is to blame when a file a setting names cannot be used. A file the
 * user named (a flag or its environment twin) is part of the command as
 * typed, so trouble with it is a usage error (INVALID_ARGUMENT, exit 2):
 * editing the command fixes it. The same trouble with a file the CLI
 * found in the dev state folder by itself stays a setup failure
 * (FAILED_PRECONDITION, exit 1).
 */
import { SecretsError } from "../shared/errors.js";

/**
 * Runs `use`; when it fails with FAILED_PRECONDITION and the user named
 * the file (`isGiven`), throws the same message as INVALID_ARGUMENT.
 */
export function blameFile<T>(isGiven: boolean, use: () => T): T {
  try {
    return use();
  } catch (error) {
    if (!isGiven) throw error;
    throw asUsageError(error);
  }
}

/** `error` as a usage error when it is a setup failure; else unchanged. */
export function asUsageError(error: unknown): SecretsError {
  const safe = SecretsError.from(error);
  if (safe.code !== "FAILED_PRECONDITION") return safe;
  return new SecretsError("INVALID_ARGUMENT", safe.message, {
    field: safe.field,
    cause: safe.cause,
  });
}
