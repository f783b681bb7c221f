import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "./app.js";
import { agentSignIn, AGENT_PASSWORD, signedInPerson } from "./people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
};
/** One operation of the OpenAPI document the server publishes. */
export type Operation = {
  method: Method;
  path: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  /** The answers it declares, by status. */
  responses?: Record<string, unknown>;
};

/**
 * The app with the seed's reference data, every operation of its published OpenAPI document, and one caller of each
 * side: a signed-in person and a signed-in agent (supervisor of SIE Paris 11e), for the tests that walk them all.
 */
export async function walkableApp(agentEmail: string): Promise<{ t: TestApp; operations: Operation[]; person: CookieJar; agent: CookieJar }> {
  const t = await startTestApp();
  await seedReferenceData(t.ctx);
  const doc = (await call(t.app, "GET", "/api/v1/openapi.json")).body as { paths: Record<string, Record<string, Omit<Operation, "method" | "path">>> };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([m, op]) => ({ ...op, method: m.toUpperCase() as Method, path })),
  );
  const person = (await signedInPerson(t, { siren: SEED.gestion.siren })).jar;
  const secret = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";
  await makeAgent(t.ctx, {
    email: agentEmail,
    name: "Agent Contrat",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: secret,
  });
  const agent = await agentSignIn(t, agentEmail, secret);
  return { t, operations, person, agent };
}
