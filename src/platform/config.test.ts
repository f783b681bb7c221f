import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("defaults to the embedded database on 127.0.0.1:3000 with demo data", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: "127.0.0.1", port: 3000, dataDir: "./data", databaseUrl: undefined, demoData: true, isProduction: false });
  });
  it("lists every missing production setting in one readable error", () => {
    try {
      loadConfig({ NODE_ENV: "production" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of [
        "DATABASE_URL",
        "SMTP_URL",
        "ENCRYPTION_KEY",
        "PUBLIC_URL",
        "RECEIPT_SIGNING_KEY_FILE",
        "RECEIPT_CERTIFICATE_FILE",
        "OAUTH_KEY",
        "OAUTH_SIGNING_KEY",
      ])
        expect(message).toContain(name);
    }
  });
  it("takes the signing key and certificate as two files, together; the old Ed25519 key is refused with what replaces it", () => {
    expect(loadConfig({}).receiptSigning).toBeUndefined();
    expect(loadConfig({ RECEIPT_SIGNING_KEY_FILE: "/k.pem", RECEIPT_CERTIFICATE_FILE: "/c.pem" }).receiptSigning).toEqual({
      keyFile: "/k.pem",
      certificateFile: "/c.pem",
    });
    expect(() => loadConfig({ RECEIPT_SIGNING_KEY_FILE: "/k.pem" })).toThrow(/RECEIPT_SIGNING_KEY_FILE et RECEIPT_CERTIFICATE_FILE vont ensemble/);
    expect(() => loadConfig({ RECEIPT_SIGNING_KEY: "-----BEGIN PRIVATE KEY-----" })).toThrow(
      /RECEIPT_SIGNING_KEY n'est plus lu .* RECEIPT_SIGNING_KEY_FILE et RECEIPT_CERTIFICATE_FILE/,
    );
  });
  it("keeps the files in the local folder unless an S3 bucket is configured", () => {
    expect(loadConfig({}).s3).toBeUndefined();
    expect(loadConfig({ S3_ENDPOINT: "http://127.0.0.1:8470", S3_BUCKET: "messagerie-pro" }).s3).toEqual({
      endpoint: "http://127.0.0.1:8470",
      bucket: "messagerie-pro",
      region: "us-east-1",
      forcePathStyle: true,
      stagingDir: undefined,
    });
    expect(loadConfig({ S3_BUCKET: "messagerie-pro", S3_REGION: "eu-west-3" }).s3).toMatchObject({
      endpoint: undefined,
      region: "eu-west-3",
      forcePathStyle: false,
    });
    expect(loadConfig({ S3_ENDPOINT: "http://s3.local", S3_BUCKET: "b-1", S3_FORCE_PATH_STYLE: "0" }).s3?.forcePathStyle).toBe(false);
    expect(() => loadConfig({ S3_ENDPOINT: "http://127.0.0.1:8470" })).toThrow(/S3_BUCKET est obligatoire/);
    expect(() => loadConfig({ S3_BUCKET: "Pas_Un_Nom" })).toThrow(/S3_BUCKET/);
  });
  it("trusts no proxy unless TRUST_PROXY names them", () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 127.0.0.1" }).trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(() => loadConfig({ TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY/);
  });
  it("names malformed values", () => {
    expect(() => loadConfig({ PORT: "abc" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DEMO_DATA: "peut-être" })).toThrow(/DEMO_DATA/);
  });
  it("never loads demo data in production", () => {
    const c = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u@h/db",
      SMTP_URL: "smtp://h:25",
      ENCRYPTION_KEY: "k".repeat(40),
      PUBLIC_URL: "https://messagerie.example",
      RECEIPT_SIGNING_KEY_FILE: "/etc/messagerie-pro/signature.key",
      RECEIPT_CERTIFICATE_FILE: "/etc/messagerie-pro/signature.pem",
      OAUTH_KEY: "o".repeat(40),
      OAUTH_SIGNING_KEY: "-----BEGIN PRIVATE KEY-----\\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\\n-----END PRIVATE KEY-----",
      DEMO_DATA: "1",
    });
    expect(c.demoData).toBe(false);
    // The sweep of unreferenced files waits 15 days in production: the restore window of the backups (two weeks).
    expect(c.filesSweepGraceMs).toBe(15 * 24 * 3_600_000);
  });
  it("keeps an unreferenced file 1 hour outside production, FILES_SWEEP_GRACE_HOURS otherwise", () => {
    expect(loadConfig({}).filesSweepGraceMs).toBe(3_600_000);
    expect(loadConfig({ FILES_SWEEP_GRACE_HOURS: "720" }).filesSweepGraceMs).toBe(720 * 3_600_000);
    expect(() => loadConfig({ FILES_SWEEP_GRACE_HOURS: "0" })).toThrow(/FILES_SWEEP_GRACE_HOURS/);
    expect(() => loadConfig({ FILES_SWEEP_GRACE_HOURS: "une semaine" })).toThrow(/FILES_SWEEP_GRACE_HOURS/);
  });
});
