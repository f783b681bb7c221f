import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CLIENT_TYPES_FILE, currentOpenApi, generatedClientTypes, OPENAPI_FILE } from "../scripts/openapi.lib.js";

/** The committed OpenAPI document and the web client generated from it follow the routes (`npm run openapi`). */
describe("the committed API description", () => {
  it("is the document the server publishes, and the web client's types are generated from it", async () => {
    const live = await currentOpenApi();
    expect(readFileSync(OPENAPI_FILE, "utf8") === live, "docs/openapi.json is stale: run `npm run openapi`").toBe(true);
    expect(readFileSync(CLIENT_TYPES_FILE, "utf8") === (await generatedClientTypes(live)), "web/src/api.gen.ts is stale: run `npm run openapi`").toBe(true);
  }, 60_000);
});
