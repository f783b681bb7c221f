import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { call, PRODUCTION_ENV, startTestApp, type TestApp } from "../helpers/app.js";
import { buildHttpApp } from "../../src/app/http.js";
import { createContext } from "../../src/app/context.js";
import { loadConfig } from "../../src/platform/config.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { createLogger } from "../../src/platform/logger.js";

/** The web server built with the production configuration. */
let t: TestApp;
let production: FastifyInstance;
beforeAll(async () => {
  t = await startTestApp();
  production = await buildHttpApp({ ...t.ctx, config: loadConfig(PRODUCTION_ENV) }, { webDir: "/nonexistent" });
  await production.ready();
});
afterAll(async () => {
  await production.close();
  await t.close();
});

describe("production mode", () => {
  it("has no mail catcher nor letter box", async () => {
    expect((await call(production, "GET", "/api/v1/dev/mails")).status).toBe(404);
    expect((await call(production, "GET", "/api/v1/dev/letters")).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/dev/mails")).status).toBe(200);
  });

  it("sends HSTS and names its cookies __Host-", async () => {
    const res = await call(production, "GET", "/api/v1/health");
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    const openapi = await call(production, "GET", "/api/v1/openapi.json");
    expect(openapi.body.components.securitySchemes.session.name).toBe("__Host-mp_session");
  });

  it("refuses to start on a database that does not fsync", async () => {
    // The embedded PGlite runs with fsync off: acceptable for development, refused in production.
    const database = await openDatabase({ dataDir: "memory://" });
    await expect(createContext(loadConfig(PRODUCTION_ENV), { database, logger: createLogger("silent") })).rejects.toThrow(/fsync = off/);
  });
});
