/**
 * TypeScript shapes of the contract's messages as the loader presents
 * them: camelCase fields, 64-bit integers as numbers (revisions stay far
 * below 2^53), bytes as Buffers, defaults filled in, and the name of the
 * set member of each `oneof` in a field of the oneof's own name.
 */

export interface DeliveredSecret {
  envName: string;
  value: Buffer;
  version: number;
}

export interface Snapshot {
  algorithm: string;
  revision: number;
  secrets: DeliveredSecret[];
}

export interface Unchanged {
  algorithm: string;
  revision: number;
}

export interface Heartbeat {
  revision: number;
  intervalMs: number;
}

export interface GetSnapshotRequest {
  knownRevision: number;
}

export interface GetSnapshotResponse {
  result?: "snapshot" | "unchanged";
  snapshot?: Snapshot | null;
  unchanged?: Unchanged | null;
}

export interface WatchSnapshotsRequest {
  knownRevision: number;
}

export interface WatchEvent {
  event?: "snapshot" | "heartbeat";
  snapshot?: Snapshot | null;
  heartbeat?: Heartbeat | null;
}

export interface CreateSecretRequest {
  algorithm: string;
  envName: string;
  displayName: string;
  description: string;
  value: Buffer;
}

export interface UpdateSecretRequest {
  algorithm: string;
  envName: string;
  displayName?: string;
  description?: string;
  value?: Buffer;
}

export interface DeleteSecretRequest {
  algorithm: string;
  envName: string;
}

export interface DeleteSecretResponse {
  algorithm: string;
  envName: string;
  revision: number;
}

export interface ListSecretsRequest {
  algorithm: string;
}

export interface GetSecretRequest {
  algorithm: string;
  envName: string;
}

export interface SecretMetadata {
  algorithm: string;
  envName: string;
  displayName: string;
  description: string;
  version: number;
  createdAtMs: number;
  updatedAtMs: number;
  revision: number;
}

export interface ListSecretsResponse {
  algorithm: string;
  revision: number;
  secrets: SecretMetadata[];
}
