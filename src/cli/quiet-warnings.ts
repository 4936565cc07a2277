/**
 * Keeps standard error to the one line `secretsctl` promises. grpc-js sets
 * the TLS server name to the host of the address, and Node warns (DEP0123)
 * on every connection when that host is an IP such as 127.0.0.1, the
 * default address. The check of the certificate against the IP still
 * happens; only the warning is dropped. Every other warning passes.
 */

/** The Node warning code for an IP address used as TLS server name. */
const IP_SERVERNAME_WARNING = "DEP0123";

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

/** Drops DEP0123 from this process's warnings. */
export function silenceIpServernameWarning(): void {
  const original = process.emitWarning.bind(process) as EmitWarning;
  const filtered: EmitWarning = (warning, ...rest) => {
    if (warningCode(rest) === IP_SERVERNAME_WARNING) return;
    original(warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
}

/** The code from either call form: (w, type, code) or (w, { code }). */
function warningCode(rest: unknown[]): unknown {
  const [first, second] = rest;
  if (typeof first === "object" && first !== null) {
    return (first as { code?: unknown }).code;
  }
  return second;
}
