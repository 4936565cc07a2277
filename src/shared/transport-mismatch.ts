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
  if (!context.isPlaintext && isPlaintextAnswer(reason)) {
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

/**
 * True when `reason` (the transport error text of an UNAVAILABLE) says
 * the TLS handshake failed over the server's certificate, rather than
 * the server being down or not speaking TLS.
 */
export function isUntrustedCertificate(reason: string): boolean {
  return (
    UNTRUSTED_CERTIFICATE.test(reason) && !NOT_TLS_ON_THE_WIRE.test(reason)
  );
}

/** True when `reason` says a TLS client met a server without TLS. */
export function isPlaintextAnswer(reason: string): boolean {
  return NOT_TLS_ON_THE_WIRE.test(reason);
}
