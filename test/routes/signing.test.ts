import { execFileSync, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, testSigningFiles, startTestApp, type TestApp } from "../helpers/app.js";
import { tempDir } from "../helpers/temp.js";
import { loadReceiptKeys } from "../../src/app/context.js";
import { loadConfig } from "../../src/platform/config.js";
import forge from "node-forge";
import { cmsSignDetached, generateSigningIdentity, SELF_ISSUED_SUBJECT, signingIdentityFromPem } from "../../src/platform/signing.js";
import { signedReceipt, verifyReceipt } from "../../src/modules/requests/index.js";
import { sampleReceiptPayload } from "../helpers/receipts.js";

/** A certificate authority and a signing certificate it issues (RSA 2048 to be quick), as production would have. */
function issuedIdentity() {
  const utf8 = forge.asn1.Type.UTF8;
  const make = (subject: string, issuer: { name: forge.pki.CertificateField[]; key: forge.pki.rsa.PrivateKey } | undefined, ca: boolean) => {
    const keys = forge.pki.rsa.generateKeyPair(2048);
    const certificate = forge.pki.createCertificate();
    certificate.publicKey = keys.publicKey;
    certificate.serialNumber = ca ? "01" : "02";
    certificate.validity.notBefore = new Date(Date.now() - 60_000);
    certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
    const name = [
      { shortName: "C", value: "FR" },
      { shortName: "O", value: "Direction générale des Finances publiques", valueTagClass: utf8 },
      { shortName: "CN", value: subject, valueTagClass: utf8 },
    ] as forge.pki.CertificateField[];
    certificate.setSubject(name);
    certificate.setIssuer(issuer?.name ?? name);
    certificate.setExtensions(
      ca
        ? [
            { name: "basicConstraints", cA: true, critical: true },
            { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
          ]
        : [
            { name: "basicConstraints", cA: false, critical: true },
            { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
          ],
    );
    certificate.sign(issuer?.key ?? keys.privateKey, forge.md.sha256.create());
    return { name, key: keys.privateKey, pem: forge.pki.certificateToPem(certificate), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
  };
  const authority = make("Autorité de certification de test", undefined, true);
  const signer = make("Direction générale des Finances publiques — Messagerie Pro", authority, false);
  return { authorityPem: authority.pem, keyPem: signer.keyPem, certificatePem: `${signer.pem}${authority.pem}` };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe("the signing certificate", () => {
  it("is published as PEM at /api/v1/receipts/certificate; openssl reads its subject, in UTF-8; the public-key route answers its key", async () => {
    const res = await call(t.app, "GET", "/api/v1/receipts/certificate");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/x-pem-file/);
    const pem = res.raw.body;
    expect(new X509Certificate(pem).raw.equals(new X509Certificate(readFileSync(testSigningFiles().RECEIPT_CERTIFICATE_FILE)).raw)).toBe(true);
    const dir = tempDir("certificate");
    writeFileSync(join(dir, "certificat.pem"), pem);
    const subject = execFileSync("openssl", ["x509", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus_space", "-in", join(dir, "certificat.pem")], {
      encoding: "utf8",
    });
    expect(subject.trim()).toBe(`subject=C=FR, O=${SELF_ISSUED_SUBJECT.organisation}, OU=${SELF_ISSUED_SUBJECT.unit}, CN=${SELF_ISSUED_SUBJECT.commonName}`);
    // The names are UTF8String (PrintableString cannot hold « é »; T61String garbles it in readers).
    const asn1 = execFileSync("openssl", ["asn1parse", "-in", join(dir, "certificat.pem")], { encoding: "utf8" });
    expect(asn1).toMatch(/UTF8STRING\s+:Direction g/);
    const text = execFileSync("openssl", ["x509", "-noout", "-text", "-in", join(dir, "certificat.pem")], { encoding: "utf8" });
    expect(text).toContain("Public-Key: (3072 bit)");
    expect(text).toContain("Digital Signature, Non Repudiation");

    const key = await call(t.app, "GET", "/api/v1/receipts/public-key");
    expect(key.status).toBe(200);
    expect(key.headers["content-type"]).toMatch(/^application\/x-pem-file/);
    const der = (p: string) => createPublicKey(p).export({ type: "spki", format: "der" });
    expect(der(key.raw.body).equals(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }))).toBe(true);
  });

  it("outside production, is generated on first start in the data folder (mode 0600) and kept across restarts", () => {
    const dataDir = tempDir("mp-identity");
    const first = loadReceiptKeys(loadConfig({ DATA_DIR: dataDir }));
    const file = join(dataDir, "receipt-signing-identity.pem");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(first.certificatePem).subject).toContain(`CN=${SELF_ISSUED_SUBJECT.commonName}`);
    const again = loadReceiptKeys(loadConfig({ DATA_DIR: dataDir }));
    expect(again.certificatePem).toBe(first.certificatePem);
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
  });

  it("in production, is read from the two files the environment names; the start is refused without them, or with files that do not match", () => {
    const production = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://unused@127.0.0.1/unused",
      SMTP_URL: "smtp://127.0.0.1:2525",
      ENCRYPTION_KEY: "production-key-for-the-test-0123456789",
      PUBLIC_URL: "https://messagerie.example",
      OAUTH_KEY: "production-oauth-key-for-the-test-0123456789",
      OAUTH_SIGNING_KEY: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
    expect(() => loadConfig(production)).toThrow(/RECEIPT_SIGNING_KEY_FILE \(fichier de la clé privée RSA, PEM, .*\) est obligatoire en production/);
    expect(() => loadConfig(production)).toThrow(/RECEIPT_CERTIFICATE_FILE \(fichier du certificat X\.509 de cette clé, PEM\) est obligatoire en production/);
    const identity = loadReceiptKeys(loadConfig({ ...production, ...testSigningFiles() }));
    expect(identity.certificateDer.equals(new X509Certificate(readFileSync(testSigningFiles().RECEIPT_CERTIFICATE_FILE)).raw)).toBe(true);

    const dir = tempDir("mp-files");
    expect(() => loadReceiptKeys(loadConfig({ ...production, ...testSigningFiles(), RECEIPT_SIGNING_KEY_FILE: join(dir, "absent.pem") }))).toThrow(
      /^RECEIPT_SIGNING_KEY_FILE : fichier illisible \(.*absent\.pem : ENOENT\)$/,
    );
    // Another key than the certificate's.
    writeFileSync(join(dir, "other.pem"), generateSigningIdentity().keyPem);
    expect(() => loadReceiptKeys(loadConfig({ ...production, ...testSigningFiles(), RECEIPT_SIGNING_KEY_FILE: join(dir, "other.pem") }))).toThrow(
      "le certificat de signature n'est pas celui de la clé de signature",
    );
    // The old Ed25519 key.
    writeFileSync(join(dir, "ed25519.pem"), generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    expect(() => loadReceiptKeys(loadConfig({ ...production, ...testSigningFiles(), RECEIPT_SIGNING_KEY_FILE: join(dir, "ed25519.pem") }))).toThrow(
      "la clé de signature doit être une clé RSA",
    );
    // A certificate file that holds no certificate.
    expect(() => loadReceiptKeys(loadConfig({ ...production, ...testSigningFiles(), RECEIPT_CERTIFICATE_FILE: join(dir, "ed25519.pem") }))).toThrow(
      "le certificat de signature est illisible (PEM X.509 attendu)",
    );
  });

  it("issued by an authority (its certificate after the key's in the file): signatures carry the chain; openssl trusts them with the authority alone", async () => {
    const issued = issuedIdentity();
    const identity = signingIdentityFromPem(issued.keyPem, issued.certificatePem);
    expect(identity.chainDer).toHaveLength(1);
    const dir = tempDir("mp-issued");
    const manifest = Buffer.from('{"format":"messagerie-pro-export/1"}');
    writeFileSync(join(dir, "manifest.json"), manifest);
    const p7s = await cmsSignDetached(identity, manifest, new Date());
    expect(p7s.includes(new X509Certificate(issued.authorityPem).raw)).toBe(true);
    writeFileSync(join(dir, "manifest.p7s"), p7s);
    writeFileSync(join(dir, "autorite.pem"), issued.authorityPem);
    const verified = spawnSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        join(dir, "manifest.p7s"),
        "-content",
        join(dir, "manifest.json"),
        "-CAfile",
        join(dir, "autorite.pem"),
        "-purpose",
        "any",
        "-out",
        "/dev/null",
      ],
      { encoding: "utf8" },
    );
    expect(verified.stderr).toContain("CMS Verification successful");
    // A receipt signed with it reads valid, and names its signer.
    const receipt = await signedReceipt(sampleReceiptPayload({ reference: "2026-SIE-75111-0000009" }), identity);
    expect(await verifyReceipt(receipt, issued.certificatePem)).toMatchObject({ valid: true, signer: expect.stringContaining("CN=Direction générale") });
    writeFileSync(join(dir, "accuse.pdf"), receipt);
    const pdfsig = spawnSync("pdfsig", [join(dir, "accuse.pdf")], { encoding: "utf8" }).stdout;
    expect(pdfsig).toContain("Signature is Valid.");
    expect(pdfsig).toContain("Signer Certificate Common Name: Direction générale des Finances publiques — Messagerie Pro");
  });
});
