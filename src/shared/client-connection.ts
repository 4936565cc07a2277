/**
 * Client side of a connection to the secrets service, shared by the agent
 * and `secretsctl`: TLS trust, the bearer token on every call, keepalive.
 */

import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  credentials,
  InterceptingCall,
  type Interceptor,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import type { CertificatePair } from "./certificate-pair.js";
import { maskGrpcLogs } from "./grpc-logging.js";
import type { Redacted } from "./redacted.js";

export interface ConnectionOptions {
  /** `host:port` of the service. */
  addr: string;
  /** PEM bundle of the CA to trust; the system roots when absent. */
  caPem?: Buffer;
  /** Plaintext instead of TLS; only for `--insecure-plaintext` servers. */
  isPlaintext?: boolean;
  /** Certificate to present, for a service started with `--tls-client-ca`. */
  clientCertificate?: CertificatePair;
  /** Returns the current token; called on every call so rotation works. */
  tokenSource: () => Redacted<string>;
  /** Extra channel options (keepalive, for example). */
  channelOptions?: ChannelOptions;
}

/** A client of `ClientClass` connected as `options` say. */
export function connectClient<T extends Client>(
  ClientClass: ServiceClientConstructor,
  options: ConnectionOptions,
): T {
  maskGrpcLogs();
  const host = hostOf(options.addr);
  const isIpHost = !options.isPlaintext && isIP(host) !== 0;
  const client = new ClientClass(
    options.addr,
    makeChannelCredentials(options, isIpHost ? host : undefined),
    {
      // Nothing here reads channelz, and its records cost every
      // connection and call.
      "grpc.enable_channelz": 0,
      ...options.channelOptions,
      // TLS forbids an IP address as server name (SNI), and Node warns on
      // every connection that sends one; send a placeholder name instead
      // and check the certificate against the real IP below.
      ...(isIpHost && { "grpc.ssl_target_name_override": SNI_PLACEHOLDER }),
      interceptors: [bearerInterceptor(options.tokenSource)],
    },
  );
  return client as unknown as T;
}

/** Server name sent in place of an IP address; never used for checking. */
const SNI_PLACEHOLDER = "algorithm-secrets.invalid";

function makeChannelCredentials(
  options: ConnectionOptions,
  ipHost: string | undefined,
): ChannelCredentials {
  if (options.isPlaintext) return credentials.createInsecure();
  const pair = options.clientCertificate;
  return credentials.createSsl(
    options.caPem ?? null,
    pair?.keyPem ?? null,
    pair?.certPem ?? null,
    ipHost === undefined
      ? {}
      : {
          checkServerIdentity: (_placeholder, certificate) =>
            checkServerIdentity(ipHost, certificate),
        },
  );
}

/** The host part of `host:port`, `[v6]:port` or a bare host. */
function hostOf(addr: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (bracketed?.[1]) return bracketed[1];
  const lastColon = addr.lastIndexOf(":");
  return lastColon > 0 && addr.indexOf(":") === lastColon
    ? addr.slice(0, lastColon)
    : addr;
}

/**
 * Adds `authorization: Bearer …` to each call's metadata. An interceptor
 * rather than call credentials, because grpc-js refuses call credentials
 * on plaintext channels and the token must travel either way.
 */
function bearerInterceptor(tokenSource: () => Redacted<string>): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${tokenSource().reveal()}`);
        next(metadata, listener);
      },
    });
}
