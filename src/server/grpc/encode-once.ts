/**
 * Lets one encoding of a message serve every call that sends it: the
 * snapshot of a change goes to all of its algorithm's watch streams, and
 * grpc-js would otherwise run the protobuf encoder once per stream.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";

/**
 * A copy of `definition` whose response encoders remember the bytes of
 * each frozen message object they encode, for as long as that object
 * lives. Freezing a reply is how a handler says "this object never
 * changes, share its bytes"; unfrozen replies are encoded every time, as
 * before, so a handler that reuses and mutates an object stays correct.
 *
 * Limitation: `Object.freeze` is shallow (and cannot freeze a Buffer), so
 * a frozen reply's nested fields must be left alone by convention; the
 * only frozen replies are built by `snapshotReply`, which never changes
 * them.
 */
export function withEncodeOnce(
  definition: ServiceDefinition,
): ServiceDefinition {
  const copy: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(definition)) {
    copy[name] = {
      ...method,
      responseSerialize: rememberEncodings(method.responseSerialize),
    };
  }
  return copy as ServiceDefinition;
}

function rememberEncodings(
  encode: (value: unknown) => Buffer,
): (value: unknown) => Buffer {
  // Keyed weakly by the message object: an entry goes when the reply does.
  const encodings = new WeakMap<object, Buffer>();
  return (value) => {
    if (typeof value !== "object" || value === null) return encode(value);
    if (!Object.isFrozen(value)) return encode(value);
    let bytes = encodings.get(value);
    if (!bytes) {
      bytes = encode(value);
      encodings.set(value, bytes);
    }
    return bytes;
  };
}
