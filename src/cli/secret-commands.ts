/**
 * The secret commands of `secretsctl`: create, update, delete, list, get.
 * Each checks its arguments with the shared name rules first (for a clear
 * message before any network traffic; the server checks again), then
 * makes one admin call and returns the text to print.
 */
import { invalidArgument } from "../shared/errors.js";
import type { UpdateSecretRequest } from "../shared/messages.js";
import {
  checkAlgorithm,
  checkDescription,
  checkDisplayName,
  checkEnvName,
  checkEnvNameSyntax,
} from "../shared/names.js";
import type { AdminCalls } from "./admin-client.js";
import {
  formatDeleted,
  formatListJson,
  formatListTable,
  formatSecretDetails,
  formatWritten,
  toSecretJson,
} from "./format-output.js";
import { readValue, type ValueSource } from "./read-value.js";

/** Opens the admin connection only once the arguments have passed. */
export type AdminOpener = () => AdminCalls;

export interface SecretTarget {
  algorithm: string;
  envName: string;
}

export interface CreateArgs extends SecretTarget {
  displayName: string;
  description?: string | undefined;
  valueSource: ValueSource;
}

export interface UpdateArgs extends SecretTarget {
  displayName?: string | undefined;
  description?: string | undefined;
  /** Absent when the value stays as it is. */
  valueSource?: ValueSource | undefined;
}

export async function createSecret(
  openAdmin: AdminOpener,
  args: CreateArgs,
): Promise<string> {
  checkTarget(args);
  checkDisplayName(args.displayName);
  checkDescription(args.description ?? "");
  const value = await readValue(args.valueSource);

  return withAdmin(openAdmin, async (admin) => {
    const created = await admin.createSecret({
      algorithm: args.algorithm,
      envName: args.envName,
      displayName: args.displayName,
      description: args.description ?? "",
      value: value.reveal(),
    });
    return formatWritten("created", created);
  });
}

export async function updateSecret(
  openAdmin: AdminOpener,
  args: UpdateArgs,
): Promise<string> {
  checkTarget(args);
  const request: UpdateSecretRequest = {
    algorithm: args.algorithm,
    envName: args.envName,
  };
  if (args.displayName !== undefined) {
    checkDisplayName(args.displayName);
    request.displayName = args.displayName;
  }
  if (args.description !== undefined) {
    checkDescription(args.description);
    request.description = args.description;
  }
  if (args.valueSource) {
    request.value = (await readValue(args.valueSource)).reveal();
  }
  if (Object.keys(request).length === 2) {
    throw invalidArgument(
      "update",
      "nothing to change; give --display-name, --description, " +
        "--value-file or --value-stdin",
    );
  }

  return withAdmin(openAdmin, async (admin) =>
    formatWritten("updated", await admin.updateSecret(request)),
  );
}

export async function deleteSecret(
  openAdmin: AdminOpener,
  target: SecretTarget,
): Promise<string> {
  checkStoredTarget(target);
  return withAdmin(openAdmin, async (admin) =>
    formatDeleted(await admin.deleteSecret({ ...target })),
  );
}

export async function listSecrets(
  openAdmin: AdminOpener,
  args: { algorithm: string; isJson: boolean },
): Promise<string> {
  checkAlgorithm(args.algorithm);
  return withAdmin(openAdmin, async (admin) => {
    const response = await admin.listSecrets({ algorithm: args.algorithm });
    return args.isJson ? formatListJson(response) : formatListTable(response);
  });
}

export async function getSecret(
  openAdmin: AdminOpener,
  args: SecretTarget & { isJson: boolean },
): Promise<string> {
  checkStoredTarget(args);
  return withAdmin(openAdmin, async (admin) => {
    const secret = await admin.getSecret({
      algorithm: args.algorithm,
      envName: args.envName,
    });
    return args.isJson
      ? JSON.stringify(toSecretJson(secret), null, 2)
      : formatSecretDetails(secret);
  });
}

function checkTarget(target: SecretTarget): void {
  checkAlgorithm(target.algorithm);
  checkEnvName(target.envName);
}

/**
 * For get and delete, which reach a stored secret: a reserved name passes,
 * so a secret stored before its name was reserved can be removed.
 */
function checkStoredTarget(target: SecretTarget): void {
  checkAlgorithm(target.algorithm);
  checkEnvNameSyntax(target.envName);
}

async function withAdmin<T>(
  openAdmin: AdminOpener,
  work: (admin: AdminCalls) => Promise<T>,
): Promise<T> {
  const admin = openAdmin();
  try {
    return await work(admin);
  } finally {
    admin.close();
  }
}
