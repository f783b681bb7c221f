import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brotliDecompressSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { WEB_DIST } from "../../src/app/http.js";

/** How the UI and the API travel: compressed, and the hashed files cached for good (`npm test` builds the UI). */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { webDir: WEB_DIST });
});
afterAll(async () => t.close());

describe("delivery", () => {
  it("serves the shell revalidated, the hashed assets immutable and brotli-compressed at build time", async () => {
    const shell = await t.app.inject({ method: "GET", url: "/demandes", headers: { "accept-encoding": "br, gzip" } });
    expect(shell.statusCode).toBe(200);
    expect(shell.headers["cache-control"]).toBe("no-cache");
    const assets = [...shell.body.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const url of assets) {
      const res = await t.app.inject({ method: "GET", url, headers: { "accept-encoding": "br, gzip" } });
      expect([res.statusCode, res.headers["content-encoding"], res.headers["cache-control"]], url).toEqual([200, "br", "public, max-age=31536000, immutable"]);
      const original = readFileSync(join(WEB_DIST, url));
      expect(brotliDecompressSync(res.rawPayload).equals(original), url).toBe(true);
      expect(res.rawPayload.length).toBeLessThan(original.length / 2);
      const plain = await t.app.inject({ method: "GET", url, headers: { "accept-encoding": "identity" } });
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.rawPayload.equals(original)).toBe(true);
    }
  });

  it("compresses API answers on the fly, and leaves small ones and event streams alone", async () => {
    const doc = await t.app.inject({ method: "GET", url: "/api/v1/openapi.json", headers: { "accept-encoding": "br" } });
    expect(doc.headers["content-encoding"]).toBe("br");
    expect(JSON.parse(brotliDecompressSync(doc.rawPayload).toString("utf8")).openapi).toBe("3.1.0");
    const small = await t.app.inject({ method: "GET", url: "/api/v1/health", headers: { "accept-encoding": "br" } });
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.json()).toMatchObject({ status: "ok", devTools: true });
  });

  it("splits the UI by route: the back office and the dashboard's chart library are not in the first load", async () => {
    const shell = (await t.app.inject({ method: "GET", url: "/" })).body;
    const entry = /src="(\/assets\/index-[^"]+\.js)"/.exec(shell)![1]!;
    const code = readFileSync(join(WEB_DIST, entry), "utf8");
    expect(code).not.toContain("Reçues et traitées par jour");
    expect(code).not.toContain("Stock par état");
    expect(code).toMatch(/AgentDashboard-[A-Za-z0-9_-]+\.js/);
  });
});
