/**
 * Reading a CA bundle a client trusts. A file that holds no PEM
 * certificate is refused when it is read, naming the file: otherwise TLS
 * would trust nothing and every connection would fail certificate
 * verification, which points the user at the wrong cause.
 */
import { X509Certificate } from "node:crypto";
import { SecretsError } from "./errors.js";
import { readSettingFile } from "./key-files.js";

const PEM_CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----";

/**
 * The PEM bundle at `path`; FAILED_PRECONDITION naming `setting` when it
 * cannot be read or its first certificate does not parse.
 */
export function readCaBundle(path: string, setting: string): Buffer {
  const pem = readSettingFile(path, setting);
  try {
    if (!pem.includes(PEM_CERTIFICATE_BEGIN)) {
      throw new Error("no PEM certificate block");
    }
    new X509Certificate(pem.subarray(pem.indexOf(PEM_CERTIFICATE_BEGIN)));
  } catch (error) {
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${setting}: ${path} is not a PEM certificate (bundle)`,
      { field: setting, cause: error },
    );
  }
  return pem;
}
