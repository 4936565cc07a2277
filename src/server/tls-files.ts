/**
 * The service's TLS files, checked when they are read (see
 * certificate-pair.ts), and its client CA, which must hold a certificate.
 * grpc-js would otherwise report a bad certificate or key as a bind
 * failure of `--listen`, and start with a mismatched key or a client CA
 * without a certificate only to fail every handshake without a word.
 */
import { readCaBundle } from "../shared/ca-bundle.js";
import {
  type CertificatePair,
  readCertificatePair,
} from "../shared/certificate-pair.js";

/** The PEM bytes grpc-js takes, each checked. */
export interface TlsMaterial extends CertificatePair {
  clientCa: Buffer | null;
}

export function readTlsMaterial(files: {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}): TlsMaterial {
  const pair = readCertificatePair({
    certFile: files.certFile,
    keyFile: files.keyFile,
    certSetting: "tls-cert",
    keySetting: "tls-key",
  });
  const clientCa = files.clientCaFile
    ? readCaBundle(files.clientCaFile, "tls-client-ca")
    : null;
  return { ...pair, clientCa };
}
