/**
 * Client side of a connection to the secrets service, shared by the agent
 * and `secretsctl`: TLS trust, the bearer token on every call, keepalive.
 */
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  credentials,
  InterceptingCall,
  type Interceptor,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import type { Redacted } from "./redacted.js";

export interface ConnectionOptions {
  /** `host:port` of the service. */
  addr: string;
  /** PEM bundle of the CA to trust; the system roots when absent. */
  caPem?: Buffer;
  /** Plaintext instead of TLS; only for `--insecure-plaintext` servers. */
  isPlaintext?: boolean;
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
  const channelCredentials = makeChannelCredentials(options);
  const client = new ClientClass(options.addr, channelCredentials, {
    ...options.channelOptions,
    interceptors: [bearerInterceptor(options.tokenSource)],
  });
  return client as unknown as T;
}

function makeChannelCredentials(
  options: ConnectionOptions,
): ChannelCredentials {
  if (options.isPlaintext) return credentials.createInsecure();
  return credentials.createSsl(options.caPem ?? null);
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
