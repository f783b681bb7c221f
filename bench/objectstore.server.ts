/**
 * The application of the object-store bench (bench/objectstore.ts), in a process of its own, as on a host of its own:
 * the clients that measure it (the API's and the SDK's) then share no event loop with the server. Started with
 * `fork`; it sets up one company and one signed-in person, listens on a loopback port, sends
 * `{ base, cookie, csrf }`, and stops when told.
 */
import type { FastifyInstance } from "fastify";
import { openFreshDatabase } from "../test/helpers/db.js";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/app/context.js";
import { buildHttpApp } from "../src/app/http.js";

const [adminUrl, endpoint, bucket] = [process.env.BENCH_ADMIN_URL || undefined, process.env.BENCH_S3_ENDPOINT!, process.env.BENCH_S3_BUCKET!];
const database = await openFreshDatabase(adminUrl, { prefix: "mp_bench_s3" });
const config = loadConfig({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  API_RATE_PER_MINUTE: "100000000",
  SIGNIN_RATE_PER_MINUTE: "100000000",
  S3_ENDPOINT: endpoint,
  S3_BUCKET: bucket,
});
const ctx = await createContext(config, { database, logger: createLogger("silent") });
let app: FastifyInstance | undefined;
const stop = async (code: number) => {
  await app?.close();
  await ctx.close();
  process.exit(code);
};
try {
  const { DEMO_SERVICES, SEED } = await import("../src/app/demo.js");
  const { makeCompany, makeTaxService, makeSimplifiedAdministrator, readQueuedCode } = await import("../src/app/factories.js");
  const { signIn, verifyDevice } = await import("../src/modules/spaces/index.js");
  for (const s of DEMO_SERVICES) await makeTaxService(ctx, s);
  await makeCompany(ctx, { ...SEED.martin, streetName: "DE LA ROQUETTE", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" });
  const email = "robert.lambda@martindistribution.com";
  await makeSimplifiedAdministrator(
    { ...ctx, publicUrl: "http://localhost" },
    { email, password: "Vingt-Trois-Lapins-Bleus", firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren },
  );
  await signIn(ctx, { email, password: "Vingt-Trois-Lapins-Bleus", ip: "127.0.0.1" });
  const session = await verifyDevice(ctx, { email, code: await readQueuedCode(ctx.db, email, /Code de connexion : (\d{6})/), ip: "127.0.0.1" });
  app = await buildHttpApp(ctx, { webDir: "/nonexistent" });
  await app.listen({ host: "127.0.0.1", port: 0 });
  process.on("message", () => void stop(0));
  process.send!({
    base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    cookie: `mp_session=${session.token}`,
    csrf: session.csrfToken,
  });
} catch (error) {
  console.error(error);
  await stop(1);
}
