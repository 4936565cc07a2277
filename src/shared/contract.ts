/**
 * Loads the contract from `proto/` at run time, so that the `.proto` files
 * stay the single source of truth for every peer, ours or not.
 */
import { join } from "node:path";
import {
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";
import { protoRoot } from "./package-root.js";

/** The proto file that defines our two services, relative to `proto/`. */
export const SECRETS_PROTO = "algorithm_secrets/v1/secrets.proto";

/** Full gRPC service names, as they appear in method paths. */
export const DELIVERY_SERVICE = "algorithm_secrets.v1.SecretDelivery";
export const ADMIN_SERVICE = "algorithm_secrets.v1.SecretAdmin";

/**
 * Loader options; the shapes in `messages.ts` depend on each of these.
 * `optional` fields stay absent when unset (`defaults` only fills
 * non-optional ones), which is how an update tells "leave alone" from
 * "set to empty".
 */
const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [],
};

export interface Contract {
  delivery: ServiceDefinition;
  admin: ServiceDefinition;
  DeliveryClient: ServiceClientConstructor;
  AdminClient: ServiceClientConstructor;
}

let cached: Contract | undefined;

/** The loaded contract; loading happens once per process. */
export function loadContract(): Contract {
  if (cached) return cached;
  const root = protoRoot();
  const definition = loadSync(join(root, SECRETS_PROTO), {
    ...LOADER_OPTIONS,
    includeDirs: [root],
  });
  const grpcObject = loadPackageDefinition(definition);
  const v1 = (grpcObject.algorithm_secrets as GrpcObject).v1 as GrpcObject;
  const DeliveryClient = v1.SecretDelivery as ServiceClientConstructor;
  const AdminClient = v1.SecretAdmin as ServiceClientConstructor;
  cached = {
    delivery: DeliveryClient.service,
    admin: AdminClient.service,
    DeliveryClient,
    AdminClient,
  };
  return cached;
}
