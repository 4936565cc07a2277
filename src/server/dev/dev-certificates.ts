/**
 * A local certificate authority and a server certificate for `localhost`
 * and `127.0.0.1`, for dev mode only: ECDSA P-256 keys made with Node's
 * WebCrypto and certificates built with @peculiar/x509.
 */
import { KeyObject, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/** How long the dev CA and server certificate stay valid, in days. */
const VALID_DAYS = 825;

/** Key and signature algorithm of every certificate made here. */
export const KEY_ALGORITHM = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
} as const;

/** PEM texts of a dev CA and a server certificate it signed. */
export interface DevCertificates {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/** A self-signed CA certificate and its keys. */
export interface CertificateAuthority {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

/** Validity window of a certificate made now, in dates. */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** A fresh self-signed CA named `CN=commonName`, valid for `validity`. */
export async function makeCertificateAuthority(
  commonName: string,
  validity: Validity,
): Promise<CertificateAuthority> {
  useNodeCrypto();
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${commonName}`,
    ...validity,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

/** Makes a fresh dev CA and server certificate. */
export async function makeDevCertificates(): Promise<DevCertificates> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + VALID_DAYS * 86_400_000);
  const { cert: caCert, keys: caKeys } = await makeCertificateAuthority(
    "algorithm-secrets dev CA",
    { notBefore, notAfter },
  );
  const serverKeys = await generateKeyPair();

  const serverCert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: "CN=localhost",
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  return {
    caCertPem: caCert.toString("pem"),
    caKeyPem: privateKeyPem(caKeys.privateKey),
    serverCertPem: serverCert.toString("pem"),
    serverKeyPem: privateKeyPem(serverKeys.privateKey),
  };
}

/** Points @peculiar/x509 at Node's WebCrypto; call before using it. */
export function useNodeCrypto(): void {
  // The library declares the DOM's Crypto type, which Node's lib lacks.
  (x509.cryptoProvider as { set(crypto: unknown): void }).set(webcrypto);
}

/** A fresh {@link KEY_ALGORITHM} key pair. */
export function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    "sign",
    "verify",
  ]) as Promise<webcrypto.CryptoKeyPair>;
}

/** A private key as PKCS#8 PEM. */
export function privateKeyPem(key: webcrypto.CryptoKey): string {
  const keyObject = KeyObject.from(key);
  return keyObject.export({ type: "pkcs8", format: "pem" }).toString();
}

/** A positive 16-byte serial number, as hex. */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}
