/**
 * A client CA and a client certificate it signed, for tests of
 * `--tls-client-ca`, built the way the dev certificates are.
 */
import * as x509 from "@peculiar/x509";
import {
  generateKeyPair,
  KEY_ALGORITHM,
  makeCertificateAuthority,
  privateKeyPem,
  serialNumber,
} from "../../src/server/dev/dev-certificates.js";

/** PEM texts of a client CA and a client certificate with its key. */
export interface ClientCertificates {
  caCertPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/**
 * A fresh client CA and a client certificate for `commonName`, valid from
 * a minute ago for a day unless `clientValidity` says otherwise.
 */
export async function makeClientCertificates(
  commonName: string,
  clientValidity?: { notBefore: Date; notAfter: Date },
): Promise<ClientCertificates> {
  const ca = await makeCertificateAuthority("test client CA", {
    notBefore: new Date(Date.now() - 2 * 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const notBefore = clientValidity?.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter =
    clientValidity?.notAfter ?? new Date(Date.now() + 86_400_000);
  const clientKeys = await generateKeyPair();
  const clientCert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${commonName}`,
    issuer: ca.cert.subject,
    notBefore,
    notAfter,
    publicKey: clientKeys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return {
    caCertPem: ca.cert.toString("pem"),
    clientCertPem: clientCert.toString("pem"),
    clientKeyPem: privateKeyPem(clientKeys.privateKey),
  };
}
