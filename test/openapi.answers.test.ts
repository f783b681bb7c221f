import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { OPENAPI_FILE } from "../scripts/openapi.lib.js";
import Fastify from "fastify";
import { contractViolations, recordContractViolations, STREAM } from "./helpers/contract.js";

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };
const document = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Document;
const answers = Object.entries(document.paths).flatMap(([path, operations]) =>
  Object.entries(operations).flatMap(([method, op]) =>
    Object.entries(op.responses).map(([status, answer]) => ({ where: `${method.toUpperCase()} ${path} → ${status}`, status, content: answer.content ?? {} })),
  ),
);

/** The OpenAPI document says what each answer really is: its media type and its schema, errors as JSON. */
describe("the answers the OpenAPI document declares", () => {
  it("name a media type for every answer with a body, and a schema for each", () => {
    const bodiless = answers.filter((a) => a.status !== "204" && Object.keys(a.content).length === 0).map((a) => a.where);
    expect(bodiless).toEqual([]);
    const schemaless = answers.flatMap((a) =>
      Object.entries(a.content)
        .filter(([, m]) => m.schema === undefined)
        .map(([type]) => `${a.where} ${type}`),
    );
    expect(schemaless).toEqual([]);
  });

  it("declare every error as the JSON error body, never as the file the operation sends", () => {
    const errors = answers.filter((a) => /^[45]/.test(a.status));
    expect(errors.length).toBeGreaterThan(300);
    const isErrorBody = (schema: unknown) => {
      const s = schema as { $ref?: string; required?: string[] } | undefined;
      return s?.$ref === "#/components/schemas/ErrorBody" || (s?.required ?? []).includes("error");
    };
    const wrong = errors.filter((a) => Object.keys(a.content).join() !== "application/json" || !isErrorBody(a.content["application/json"]!.schema));
    expect(wrong.map((a) => `${a.where} ${Object.keys(a.content).join(", ")}`)).toEqual([]);
  });

  it("declare the files and streams with their own media types", () => {
    const typesOf = (path: string) => Object.keys(document.paths[path]!.get!.responses["200"]!.content!);
    expect(typesOf("/api/v1/adhesions/batch/{id}/report.csv")).toEqual(["text/csv"]);
    expect(typesOf("/api/v1/backoffice/stats.csv")).toEqual(["text/csv"]);
    expect(typesOf("/api/v1/backoffice/campaigns/{id}/report.csv")).toEqual(["text/csv"]);
    expect(typesOf("/api/v1/companies.csv")).toEqual(["text/csv"]);
    expect(typesOf("/api/v1/requests/{id}/receipt.pdf")).toEqual(["application/pdf"]);
    expect(typesOf("/api/v1/backoffice/requests/{id}/transcript.pdf")).toEqual(["application/pdf"]);
    expect(typesOf("/api/v1/dev/letters/{id}/pdf")).toEqual(["application/pdf"]);
    expect(typesOf("/api/v1/receipts/public-key")).toEqual(["application/x-pem-file"]);
    expect(typesOf("/api/v1/receipts/certificate")).toEqual(["application/x-pem-file"]);
    expect(typesOf("/api/v1/exports/{id}/download")).toEqual(["application/zip"]);
    expect(typesOf("/api/v1/events")).toEqual(["text/event-stream"]);
    expect(typesOf("/api/v1/backoffice/events")).toEqual(["text/event-stream"]);
    expect(typesOf("/api/v1/attachments/{id}")).toContain("image/png");
  });
});

/** The check every test app runs on its answers (test/helpers/contract.ts) catches each kind of mismatch. */
describe("the contract check of the test apps", () => {
  const error = JSON.stringify({ error: { code: "not_found", message: "Introuvable", requestId: "req-1" } });
  it("lets through an answer as declared", () => {
    expect(contractViolations("GET", "/api/v1/backoffice/stats.csv?service=SIE-75111", 200, "text/csv; charset=utf-8", "a;b\n")).toEqual([]);
    expect(contractViolations("GET", "/api/v1/exports/0190f5d2-0000-7000-8000-000000000000/download", 404, "application/json; charset=utf-8", error)).toEqual(
      [],
    );
    expect(contractViolations("GET", "/api/v1/exports/0190f5d2-0000-7000-8000-000000000000/download", 200, "application/zip", STREAM)).toEqual([]);
    expect(contractViolations("DELETE", "/api/v1/session", 204, "application/json", "{}")).toEqual([]);
    // Paths the document does not describe (the web pages, an unknown route) have no contract.
    expect(contractViolations("GET", "/tableau-de-bord", 200, "text/html", "<!doctype html>")).toEqual([]);
  });

  it("names a media type the document does not declare, a missing one, a status it does not declare", () => {
    expect(contractViolations("GET", "/api/v1/backoffice/stats.csv", 200, "application/json", '"a;b"')).toEqual([
      "GET /api/v1/backoffice/stats.csv → 200: application/json where the document declares text/csv",
    ]);
    expect(contractViolations("GET", "/api/v1/exports/x/download", 404, "application/zip", error)).toEqual([
      "GET /api/v1/exports/{id}/download → 404: application/zip where the document declares application/json",
    ]);
    expect(contractViolations("GET", "/api/v1/receipts/public-key", 200, undefined, "-----BEGIN PUBLIC KEY-----")).toEqual([
      "GET /api/v1/receipts/public-key → 200: no media type (declared: application/x-pem-file)",
    ]);
    expect(contractViolations("GET", "/api/v1/health/live", 418, "application/json", error)[0]).toMatch(
      /^GET \/api\/v1\/health\/live → 418: status not declared/,
    );
  });

  it("names a JSON body that does not follow the declared schema, or is not JSON", () => {
    const [wrong] = contractViolations("GET", "/api/v1/exports/x/download", 404, "application/json", JSON.stringify({ error: { code: "not_found" } }));
    expect(wrong).toMatch(
      /^GET \/api\/v1\/exports\/\{id\}\/download → 404: the JSON body does not follow the schema: \/error must have required property 'message'/,
    );
    expect(contractViolations("GET", "/api/v1/exports/x/download", 404, "application/json", "pas du JSON")).toEqual([
      "GET /api/v1/exports/{id}/download → 404: declared JSON, but the body is not JSON",
    ]);
  });

  it("names the cause of an unexpected error with the 500 it makes", async () => {
    const app = Fastify();
    const violations: string[] = [];
    recordContractViolations(app, violations);
    app.get("/api/v1/adhesions", () => {
      throw new Error("la base a répondu de travers");
    });
    await app.ready();
    expect((await app.inject({ method: "GET", url: "/api/v1/adhesions" })).statusCode).toBe(500);
    await app.close();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/^GET \/api\/v1\/adhesions → 500: status not declared .*\(cause: Error: la base a répondu de travers ← +at /);
  });
});
