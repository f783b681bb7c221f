import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto, X509Certificate, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import forge from "node-forge";
import * as pkijs from "pkijs";

/**
 * The platform's signing identity: an RSA key and its X.509 certificate. It signs receipts (PAdES, a PDF signature
 * any reader checks) and export manifests (CMS, checked with `openssl cms -verify`). The certificate is published
 * at GET /api/v1/receipts/certificate.
 */
export type SigningIdentity = {
  privateKey: KeyObject;
  /** The certificate, PEM and DER. */
  certificatePem: string;
  certificateDer: Buffer;
  /** The certificates of the issuers that follow it in the certificate file (an issued certificate's chain), DER. */
  chainDer: Buffer[];
  /** The certificate's public key (SubjectPublicKeyInfo, PEM). */
  publicKeyPem: string;
  /** The certificate's subject as a reader shows it (`CN=…, O=…`), and its common name (the signer a PDF reader names). */
  subject: string;
  commonName: string;
  /** The key for WebCrypto (the CMS signer's), imported once. */
  cryptoKey: Promise<CryptoKey>;
};

/** The subject of a certificate the platform makes for itself (outside production): it says it is self-issued. */
export const SELF_ISSUED_SUBJECT = {
  commonName: "Direction générale des Finances publiques — Messagerie Pro",
  organisation: "Direction générale des Finances publiques",
  unit: "Messagerie Pro — certificat auto-signé d'une installation hors production",
};

/** The key size of a generated identity (RSA, the key type the PKCS#12 signer of PDFs takes). */
export const GENERATED_RSA_BITS = 3072;

/**
 * Makes a key (RSA 3072) and a self-signed certificate valid 10 years, for signing documents (digital signature,
 * non-repudiation); the names in UTF8String so that « é » reads as « é » in every reader. Answers both in PEM.
 */
export function generateSigningIdentity(now: Date = new Date()): { keyPem: string; certificatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: GENERATED_RSA_BITS });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  // A positive serial number of 128 bits (RFC 5280: at most 20 octets, positive).
  certificate.serialNumber = `01${randomBytes(15).toString("hex")}`;
  certificate.validity.notBefore = new Date(now.getTime() - 60_000);
  certificate.validity.notAfter = new Date(now);
  certificate.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + 10);
  const utf8 = forge.asn1.Type.UTF8;
  const name = [
    { shortName: "C", value: "FR" },
    { shortName: "O", value: SELF_ISSUED_SUBJECT.organisation, valueTagClass: utf8 },
    { shortName: "OU", value: SELF_ISSUED_SUBJECT.unit, valueTagClass: utf8 },
    { shortName: "CN", value: SELF_ISSUED_SUBJECT.commonName, valueTagClass: utf8 },
  ] as forge.pki.CertificateField[];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  certificate.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()), forge.md.sha256.create());
  return { keyPem, certificatePem: forge.pki.certificateToPem(certificate).replace(/\r\n/g, "\n") };
}

/**
 * The identity of a key (PEM, PKCS#8 or PKCS#1) and its certificate (PEM; the certificates of its issuers may
 * follow it in the same text, and go into each signature so that a reader builds the chain). Throws, in French, when either cannot be
 * read, when the key is not RSA, or when the certificate is not the key's.
 */
export function signingIdentityFromPem(keyPem: string, certificatePem: string): SigningIdentity {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new Error("la clé de signature est illisible (PEM PKCS#8 ou PKCS#1 attendu)");
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error("la clé de signature doit être une clé RSA (2048 bits au moins, 3072 conseillés)");
  if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error("la clé de signature RSA doit compter 2048 bits au moins");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw new Error("le certificat de signature est illisible (PEM X.509 attendu)");
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error("le certificat de signature n'est pas celui de la clé de signature");
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const cryptoKey = webcrypto.subtle.importKey("pkcs8", privateKey.export({ type: "pkcs8", format: "der" }), algorithm, false, ["sign"]);
  // Awaited by each signature; never an unhandled rejection meanwhile.
  cryptoKey.catch(() => undefined);
  return {
    privateKey,
    certificatePem: certificate.toString(),
    certificateDer: certificate.raw,
    chainDer: pemBlocks(certificatePem, "CERTIFICATE")
      .slice(1)
      .map((pem) => {
        try {
          return new X509Certificate(pem).raw;
        } catch {
          throw new Error("un certificat de la chaîne, après celui de la clé, est illisible (PEM X.509 attendu)");
        }
      }),
    publicKeyPem,
    subject: certificate.subject.split("\n").reverse().join(", "),
    commonName:
      certificate.subject
        .split("\n")
        .find((l) => l.startsWith("CN="))
        ?.slice(3) ?? certificate.subject,
    cryptoKey,
  };
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
};

/**
 * Signs content as a detached CMS SignedData (RFC 5652), DER, with PKIjs and the platform's WebCrypto: SHA-256 with
 * RSA, the signing certificate included, and as signed attributes the content type, the message digest and the
 * ESS signing-certificate-v2 (RFC 5035: the SHA-256 of the certificate, which binds it to the signature, as CAdES
 * and PAdES require). With `signingTime`, a signing-time attribute too (a PAdES signature carries its time in the
 * PDF's signature dictionary instead). `openssl cms -verify -binary -inform DER` checks it.
 */
export async function cmsSignDetached(identity: SigningIdentity, content: Uint8Array, signingTime?: Date): Promise<Buffer> {
  const certificate = pkijs.Certificate.fromBER(new Uint8Array(identity.certificateDer));
  const attribute = (type: string, value: asn1js.AsnType) => new pkijs.Attribute({ type, values: [value] });
  const attributes = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    ...(signingTime ? [attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: signingTime }))] : []),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: createHash("sha256").update(content).digest() })),
    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 ::= SEQUENCE { certHash } (SHA-256 by default).
    attribute(
      OID.signingCertificateV2,
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: createHash("sha256").update(identity.certificateDer).digest() })] })],
          }),
        ],
      }),
    ),
  ];
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [certificate, ...identity.chainDer.map((der) => pkijs.Certificate.fromBER(new Uint8Array(der)))],
  });
  await signedData.sign(await identity.cryptoKey, 0, "SHA-256", undefined, cmsCrypto);
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: signedData.toSchema(true) });
  return Buffer.from(info.toSchema().toBER(false));
}

/** PKIjs over Node's WebCrypto. */
const cmsCrypto = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as Crypto });

export type CmsVerdict = { valid: true; signer: X509Certificate; signingTime: Date | undefined } | { valid: false; reason: string };

/**
 * Checks a detached CMS signature (DER) of `content`: the message digest and the signature over the signed
 * attributes, with the certificate the signature carries. Whom to trust is the caller's decision (compare `signer`).
 */
export async function cmsVerifyDetached(signature: Uint8Array, content: Uint8Array): Promise<CmsVerdict> {
  let signedData: pkijs.SignedData;
  try {
    const info = pkijs.ContentInfo.fromBER(new Uint8Array(signature));
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) return { valid: false, reason: "ce n'est pas une signature CMS (SignedData)" };
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch {
    return { valid: false, reason: "signature CMS illisible" };
  }
  if (signedData.signerInfos.length !== 1) return { valid: false, reason: "la signature CMS doit compter un signataire, et un seul" };
  try {
    const result = await signedData.verify({ signer: 0, data: toArrayBuffer(content), checkChain: false, extendedMode: true }, cmsCrypto);
    const certificate = result.signerCertificate;
    if (!result.signatureVerified || !certificate) return { valid: false, reason: "signature CMS invalide" };
    const time = signedData.signerInfos[0]!.signedAttrs?.attributes.find((a) => a.type === "1.2.840.113549.1.9.5")?.values[0] as { toDate(): Date } | undefined;
    return { valid: true, signer: new X509Certificate(Buffer.from(certificate.toSchema().toBER())), signingTime: time?.toDate() };
  } catch (error) {
    const message = (error as { message?: string }).message ?? String(error);
    return { valid: false, reason: `signature CMS invalide (${message})` };
  }
}

/** The length of the DER element at the start of these bytes (what follows it is not part of it), or -1. */
export function derLength(bytes: Uint8Array): number {
  return asn1js.fromBER(new Uint8Array(bytes)).offset;
}

/** Every PEM block of this label in a text, in order. */
export function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[^-]*-----END ${label}-----`, "g");
  return [...text.matchAll(pattern)].map((m) => `${m[0]}\n`);
}

/** The first PEM block of this label in a text (`PRIVATE KEY`, `CERTIFICATE`), or undefined. */
export function pemBlock(text: string, label: string): string | undefined {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const at = text.indexOf(begin);
  const stop = text.indexOf(end, at);
  return at < 0 || stop < 0 ? undefined : `${text.slice(at, stop + end.length)}\n`;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The public key (SPKI, DER) of a PEM certificate or public key, what a signature is checked against; undefined when unreadable. */
export function trustedPublicKeyDer(pem: string): Buffer | undefined {
  try {
    const key = pem.includes("BEGIN CERTIFICATE") ? new X509Certificate(pem).publicKey : createPublicKey(pem);
    return key.export({ type: "spki", format: "der" });
  } catch {
    return undefined;
  }
}
