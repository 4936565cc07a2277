/**
 * The service's TLS files, checked when they are read: a certificate that
 * does not parse, a key that is encrypted or not a key, a key that does
 * not belong to the certificate, or a client CA without a certificate is
 * refused at start, naming the flag. grpc-js would otherwise report the
 * first two as a bind failure of `--listen`, and start with the last two
 * only to fail every handshake without a word in the log.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { readCaBundle } from "../shared/ca-bundle.js";
import { SecretsError } from "../shared/errors.js";
import { readSettingFile } from "../shared/key-files.js";

/** The PEM bytes grpc-js takes, each checked. */
export interface TlsMaterial {
  certChain: Buffer;
  privateKey: Buffer;
  clientCa: Buffer | null;
}

export function readTlsMaterial(files: {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}): TlsMaterial {
  const certChain = readSettingFile(files.certFile, "tls-cert");
  const privateKey = readSettingFile(files.keyFile, "tls-key");
  const certificate = refuseUnless(
    () => new X509Certificate(certChain),
    "tls-cert",
    `${files.certFile} is not a PEM certificate`,
  );
  const key = refuseUnless(
    () => createPrivateKey(privateKey),
    "tls-key",
    `${files.keyFile} is not an unencrypted PEM private key`,
  );
  // The first certificate of the chain is the server's own.
  if (!isSameKey(createPublicKey(key), certificate.publicKey)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `tls-key: ${files.keyFile} is not the key of the certificate in ${files.certFile}`,
      { field: "tls-key" },
    );
  }
  const clientCa = files.clientCaFile
    ? readCaBundle(files.clientCaFile, "tls-client-ca")
    : null;
  return { certChain, privateKey, clientCa };
}

function isSameKey(a: KeyObject, b: KeyObject): boolean {
  const der = (key: KeyObject) => key.export({ type: "spki", format: "der" });
  return der(a).equals(der(b));
}

function refuseUnless<T>(parse: () => T, field: string, problem: string): T {
  try {
    return parse();
  } catch (error) {
    throw new SecretsError("FAILED_PRECONDITION", `${field}: ${problem}`, {
      field,
      cause: error,
    });
  }
}
