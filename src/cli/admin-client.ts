/**
 * The `SecretAdmin` calls `secretsctl` makes, each with a deadline, over a
 * connection built from the CLI config. The only CLI module that talks
 * gRPC.
 */
import type { Client, ServiceError } from "@grpc/grpc-js";
import { readCaBundle } from "../shared/ca-bundle.js";
import { readClientCertificate } from "../shared/certificate-pair.js";
import { connectClient } from "../shared/client-connection.js";
import { loadContract } from "../shared/contract.js";
import { SecretsError } from "../shared/errors.js";
import { fromGrpcError } from "../shared/grpc-status.js";
import { readSettingFile } from "../shared/key-files.js";
import type {
  CreateSecretRequest,
  DeleteSecretRequest,
  DeleteSecretResponse,
  GetSecretRequest,
  ListSecretsRequest,
  ListSecretsResponse,
  SecretMetadata,
  UpdateSecretRequest,
} from "../shared/messages.js";
import { Redacted } from "../shared/redacted.js";
import { isTokenShaped } from "../shared/token-shape.js";
import type { CliConfig } from "./config.js";
import { blameFile } from "./setting-files.js";

/** The admin calls, resolved with the response or rejected with a SecretsError. */
export interface AdminCalls {
  createSecret(request: CreateSecretRequest): Promise<SecretMetadata>;
  updateSecret(request: UpdateSecretRequest): Promise<SecretMetadata>;
  deleteSecret(request: DeleteSecretRequest): Promise<DeleteSecretResponse>;
  listSecrets(request: ListSecretsRequest): Promise<ListSecretsResponse>;
  getSecret(request: GetSecretRequest): Promise<SecretMetadata>;
  close(): void;
}

type UnaryMethod = (
  request: unknown,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

/** Connects as `config` says; no network traffic until the first call. */
export function openAdmin(config: CliConfig): AdminCalls {
  const token = blameFile(config.givenFiles.has("tokenFile"), () =>
    readToken(config),
  );
  const caPem = blameFile(config.givenFiles.has("caFile"), () =>
    config.caFile ? readCaBundle(config.caFile, "ca-file") : undefined,
  );
  // Both files are always named by the user, so trouble is a usage error.
  const clientCertificate = blameFile(true, () =>
    readClientCertificate({
      certFile: config.clientCertFile,
      keyFile: config.clientKeyFile,
    }),
  );
  const client = connectClient<Client>(loadContract().AdminClient, {
    addr: config.addr,
    caPem,
    ...(clientCertificate && { clientCertificate }),
    isPlaintext: config.isPlaintext,
    tokenSource: () => token,
  });
  const call =
    <Request, Response>(method: string) =>
    (request: Request) =>
      callWithDeadline<Response>({ client, method, request, config });
  return {
    createSecret: call("createSecret"),
    updateSecret: call("updateSecret"),
    deleteSecret: call("deleteSecret"),
    listSecrets: call("listSecrets"),
    getSecret: call("getSecret"),
    close: () => client.close(),
  };
}

function readToken(config: CliConfig): Redacted<string> {
  if (!config.tokenFile) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      "token-file: no admin token; pass --token-file or set SECRETS_TOKEN_FILE " +
        `(none found in ${config.stateDir})`,
      { field: "token-file" },
    );
  }
  const text = readSettingFile(config.tokenFile, "token-file").toString("utf8");
  const token = text.trim();
  if (token.length === 0) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `token-file: ${config.tokenFile} is empty`,
      { field: "token-file" },
    );
  }
  if (!isTokenShaped(token)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `token-file: ${config.tokenFile} does not hold a token`,
      { field: "token-file" },
    );
  }
  return new Redacted(token);
}

interface CallOptions {
  client: Client;
  method: string;
  request: unknown;
  config: CliConfig;
}

function callWithDeadline<Response>(options: CallOptions): Promise<Response> {
  const { client, method, request, config } = options;
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (typeof fn !== "function") {
    return Promise.reject(new SecretsError("INTERNAL", `no method ${method}`));
  }
  const deadline = Date.now() + config.timeoutMs;
  return new Promise((resolve, reject) => {
    fn.call(client, request, { deadline }, (error, response) => {
      if (error) reject(fromGrpcError(error));
      else resolve(response as Response);
    });
  });
}
