/**
 * `npm run openapi`: writes the OpenAPI document the server publishes to docs/openapi.json, and the web client's
 * types generated from it (openapi-typescript) to web/src/api.gen.ts. Both are committed; a test fails when
 * either is stale.
 */
import { writeFileSync } from "node:fs";
import { currentOpenApi, generatedClientTypes, OPENAPI_FILE, CLIENT_TYPES_FILE } from "./openapi.lib.js";

const document = await currentOpenApi();
writeFileSync(OPENAPI_FILE, document);
writeFileSync(CLIENT_TYPES_FILE, await generatedClientTypes(document));
process.stdout.write(`written ${OPENAPI_FILE} and ${CLIENT_TYPES_FILE}\n`);
