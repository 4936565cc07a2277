/**
 * SecretAdmin: create, update, delete, list and get secrets. Responses
 * carry metadata only; a value goes in and never comes back out.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.js";
import type {
  CreateSecretRequest,
  DeleteSecretRequest,
  DeleteSecretResponse,
  GetSecretRequest,
  ListSecretsRequest,
  ListSecretsResponse,
  SecretMetadata,
  UpdateSecretRequest,
} from "../../shared/messages.js";
import { Redacted } from "../../shared/redacted.js";
import type { Authenticator } from "../auth.js";
import type { SecretRecord, SecretStore } from "../store/secret-store.js";
import { unaryHandler } from "./unary.js";

export interface AdminServiceOptions {
  store: SecretStore;
  auth: Authenticator;
  logger: Logger;
}

/** The SecretAdmin handlers. */
export function adminService(
  options: AdminServiceOptions,
): UntypedServiceImplementation {
  const { store, auth } = options;
  const logger = options.logger.child({ component: "admin" });
  const unary = <Req, Res>(
    method: string,
    handler: Parameters<typeof unaryHandler<Req, Res>>[2],
  ) => unaryHandler(logger, method, handler);

  return {
    CreateSecret: unary<CreateSecretRequest, SecretMetadata>(
      "CreateSecret",
      async ({ request, metadata }) => {
        const { subject } = await auth.requireAdmin(
          metadata,
          request.algorithm,
        );
        const record = store.create({
          algorithm: request.algorithm,
          envName: request.envName,
          displayName: request.displayName,
          description: request.description,
          value: new Redacted(request.value),
        });
        logChange(logger, "secret created", record, subject);
        return toMetadata(record);
      },
    ),
    UpdateSecret: unary<UpdateSecretRequest, SecretMetadata>(
      "UpdateSecret",
      async ({ request, metadata }) => {
        const { subject } = await auth.requireAdmin(
          metadata,
          request.algorithm,
        );
        const record = store.update({
          algorithm: request.algorithm,
          envName: request.envName,
          displayName: request.displayName ?? undefined,
          description: request.description ?? undefined,
          value: request.value ? new Redacted(request.value) : undefined,
        });
        logChange(logger, "secret updated", record, subject);
        return toMetadata(record);
      },
    ),
    DeleteSecret: unary<DeleteSecretRequest, DeleteSecretResponse>(
      "DeleteSecret",
      async ({ request, metadata }) => {
        const { subject } = await auth.requireAdmin(
          metadata,
          request.algorithm,
        );
        const revision = store.delete(request.algorithm, request.envName);
        const { algorithm, envName } = request;
        logger.info(
          { algorithm, envName, revision, subject },
          "secret deleted",
        );
        return { algorithm, envName, revision };
      },
    ),
    ListSecrets: unary<ListSecretsRequest, ListSecretsResponse>(
      "ListSecrets",
      async ({ request, metadata }) => {
        await auth.requireAdmin(metadata, request.algorithm);
        const listed = store.list(request.algorithm);
        return {
          algorithm: request.algorithm,
          revision: listed.revision,
          secrets: listed.secrets.map(toMetadata),
        };
      },
    ),
    GetSecret: unary<GetSecretRequest, SecretMetadata>(
      "GetSecret",
      async ({ request, metadata }) => {
        await auth.requireAdmin(metadata, request.algorithm);
        return toMetadata(store.get(request.algorithm, request.envName));
      },
    ),
  };
}

/** Copies metadata field by field, so nothing else can slip through. */
function toMetadata(record: SecretRecord): SecretMetadata {
  return {
    algorithm: record.algorithm,
    envName: record.envName,
    displayName: record.displayName,
    description: record.description,
    version: record.version,
    createdAtMs: record.createdAtMs,
    updatedAtMs: record.updatedAtMs,
    revision: record.revision,
  };
}

/**
 * One info line per change, naming the token's subject (`sub`) that made
 * it: the service's audit trail. Never the value.
 */
function logChange(
  logger: Logger,
  message: string,
  record: SecretRecord,
  subject: string,
) {
  const { algorithm, envName, version, revision } = record;
  logger.info({ algorithm, envName, version, revision, subject }, message);
}
