/**
 * Reading a CA bundle a client trusts. A file that holds no PEM
 * certificate is refused when it is read, naming the file: otherwise TLS
 * would trust nothing and every connection would fail certificate
 * verification, which points the user at the wrong cause.
 */
import { X509Certificate } from "node:crypto";
import { parsePem, readSettingFile } from "./key-files.js";

const PEM_CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----";

/**
 * The PEM bundle at `path`; FAILED_PRECONDITION naming `setting` when it
 * cannot be read or its first certificate does not parse.
 */
export function readCaBundle(path: string, setting: string): Buffer {
  const pem = readSettingFile(path, setting);
  parsePem(
    () => {
      const start = pem.indexOf(PEM_CERTIFICATE_BEGIN);
      if (start < 0) throw new Error("no PEM certificate block");
      return new X509Certificate(pem.subarray(start));
    },
    path,
    setting,
    "certificate (bundle)",
  );
  return pem;
}
