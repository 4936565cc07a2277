/**
 * A certificate and its private key read from two PEM files, checked as a
 * pair when read: the certificate parses and is valid now, the key is an
 * unencrypted PEM private key, and the key is the certificate's own. The service uses it
 * for its TLS files and the clients for their client certificate, so a
 * mistake is refused at start, naming the flag, rather than showing up as
 * failed handshakes that point elsewhere.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { invalidArgument, SecretsError } from "./errors.js";
import { parsePem, readSettingFile } from "./key-files.js";

export interface CertificatePair {
  certPem: Buffer;
  keyPem: Buffer;
}

/** Where the pair is and the flags that name each file. */
export interface CertificatePairFiles {
  certFile: string;
  keyFile: string;
  certSetting: string;
  keySetting: string;
}

export function readCertificatePair(
  files: CertificatePairFiles,
): CertificatePair {
  const { certFile, keyFile, certSetting, keySetting } = files;
  const certPem = readSettingFile(certFile, certSetting);
  const keyPem = readSettingFile(keyFile, keySetting);
  const certificate = parsePem(
    () => new X509Certificate(certPem),
    certFile,
    certSetting,
    "certificate",
  );
  const key = parsePem(
    () => createPrivateKey(keyPem),
    keyFile,
    keySetting,
    "private key (or it is encrypted)",
  );
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  const nowMs = Date.now();
  if (validTo.getTime() < nowMs || validFrom.getTime() > nowMs) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${certSetting}: ${certFile} is valid only from ` +
        `${validFrom.toISOString()} to ${validTo.toISOString()}`,
      { field: certSetting },
    );
  }
  // The first certificate of a chain is the holder's own.
  if (!isSameKey(createPublicKey(key), certificate.publicKey)) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${keySetting}: ${keyFile} is not the key of the certificate in ${certFile}`,
      { field: keySetting },
    );
  }
  return { certPem, keyPem };
}

/**
 * The client certificate a client presents, from `--client-cert` and
 * `--client-key`: none when neither is set; INVALID_ARGUMENT naming the
 * missing one when only one is.
 */
export function readClientCertificate(files: {
  certFile: string | undefined;
  keyFile: string | undefined;
}): CertificatePair | undefined {
  const { certFile, keyFile } = files;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) {
    throw invalidArgument("client-cert", "is needed with --client-key");
  }
  if (keyFile === undefined) {
    throw invalidArgument("client-key", "is needed with --client-cert");
  }
  return readCertificatePair({
    certFile,
    keyFile,
    certSetting: "client-cert",
    keySetting: "client-key",
  });
}

function isSameKey(a: KeyObject, b: KeyObject): boolean {
  const der = (key: KeyObject) => key.export({ type: "spki", format: "der" });
  return der(a).equals(der(b));
}
