/**
 * Recognises the commonest wrong turn on a first setup: a TLS client
 * talking to an `--insecure-plaintext` server, or a plaintext client
 * talking to a TLS server. grpc-js reports either as a bare UNAVAILABLE
 * whose text points elsewhere (at certificates, or at a server that is
 * not running), so the caller gets a sentence naming the real cause.
 */

export interface MismatchContext {
  /** `host:port` the client dialled. */
  addr: string;
  /** True when the client itself talked plaintext. */
  isPlaintext: boolean;
}

/**
 * What OpenSSL says when the bytes it reads are not a TLS record: an
 * HTTP/2 preface or frame (`wrong version number`, `packet length too
 * long`) or an HTTP/1 answer (`http request`).
 */
const NOT_TLS_ON_THE_WIRE =
  /wrong version number|packet length too long|ssl3_get_record|\bhttp request\b/i;

/**
 * grpc-js's text when TCP connected but the HTTP/2 session closed before
 * its settings arrived, with no errno of its own: a TLS server dropping
 * a plaintext client's preface.
 */
const CLOSED_BEFORE_HTTP2 = /^Failed to connect\b/;

/**
 * The sentence for a TLS/plaintext mismatch in `reason` (the transport
 * error text of an UNAVAILABLE), or undefined when it is not one. The
 * sentence names the address and the flag only.
 */
export function describeTransportMismatch(
  reason: string,
  context: MismatchContext,
): string | undefined {
  if (!context.isPlaintext && NOT_TLS_ON_THE_WIRE.test(reason)) {
    return (
      `TLS handshake with ${context.addr} failed: the server answered ` +
      "without TLS. Is it running with --insecure-plaintext? Then pass " +
      "--insecure-plaintext here too"
    );
  }
  if (context.isPlaintext && CLOSED_BEFORE_HTTP2.test(reason.trim())) {
    return (
      `${context.addr} closed the plaintext connection at once. Is the ` +
      "server using TLS? Then drop --insecure-plaintext"
    );
  }
  return undefined;
}

/**
 * OpenSSL's and Node's words for a certificate the client does not trust
 * (another CA, a self-signed one, a name that does not match).
 */
const UNTRUSTED_CERTIFICATE =
  /certificate|self.signed|unable to verify|altnames|SSL|TLS/i;

/** The server's TLS alert when it demands a client certificate (116). */
const CLIENT_CERTIFICATE_REQUIRED = /certificate required|alert number 116/i;

/**
 * The setup mistakes a transport error text (of an UNAVAILABLE) can
 * point at, beyond a service that is down.
 */
export type TransportTrouble =
  | "service-without-tls"
  | "client-certificate-required"
  | "certificate-untrusted"
  | "connection-reset";

/** What `reason` points at, or undefined for nothing in particular. */
export function transportTrouble(reason: string): TransportTrouble | undefined {
  if (NOT_TLS_ON_THE_WIRE.test(reason)) return "service-without-tls";
  if (CLIENT_CERTIFICATE_REQUIRED.test(reason)) {
    return "client-certificate-required";
  }
  if (UNTRUSTED_CERTIFICATE.test(reason)) return "certificate-untrusted";
  if (/ECONNRESET/.test(reason)) return "connection-reset";
  return undefined;
}

/**
 * `reason` without OpenSSL's error-stack noise: `80CC…:error:0A00045C:SSL
 * routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/…:
 * 1601:SSL alert number 116` becomes `tlsv13 alert certificate required`.
 */
export function tidyTransportReason(reason: string): string {
  const openSsl = /\berror:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(reason);
  return openSsl?.[1] ?? reason;
}
