/**
 * Software access (product §15): the company-side inbox called with a Bearer token against the same route called
 * with a session cookie, in one run through one server; and the token endpoint under refresh-token rotation.
 */
import autocannon from "autocannon";
import { CookieJar, startTestApp, type TestApp } from "../test/helpers/app.js";
import { ISSUER, listen, newSoftware, obtainTokens, softwareClient } from "../test/helpers/oauth.js";
import type { Database } from "../src/platform/db/database.js";
import { makeActiveSpace, makeCompany, makePortfolio, makeTaxService, readQueuedCode } from "../src/app/factories.js";
import { DEMO_SERVICES, SEED } from "../src/app/demo.js";
import { signIn, verifyDevice } from "../src/modules/spaces/index.js";
import { fileRequest } from "../src/modules/requests/index.js";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function load(url: string, headers: Record<string, string>, seconds: number, connections: number) {
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, headers }, (error: Error | null, r) => (error ? reject(error) : resolve(r)));
    instance.on("response", (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  if (result.non2xx > 0) throw new Error(`${url} answered ${result.non2xx} non-2xx`);
  times.sort((a, b) => a - b);
  return { rps: result.requests.average, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
}

export async function benchSoftware(database: Database, seconds: number, connections: number, requests = 300) {
  const t: TestApp = await startTestApp(
    { PUBLIC_URL: ISSUER, API_RATE_PER_MINUTE: "100000000", SIGNIN_RATE_PER_MINUTE: "100000000", SOFTWARE_RATE_PER_MINUTE: "100000000" },
    { database },
  );
  try {
    for (const s of DEMO_SERVICES) await makeTaxService(t.ctx, s);
    await makeCompany(t.ctx, {
      ...SEED.martin,
      streetNumber: "24",
      streetType: "RUE",
      streetName: "DE LA ROQUETTE",
      postalCode: "75011",
      communeName: "PARIS 11",
      communeCode: "75111",
    });
    await makeCompany(t.ctx, {
      ...SEED.gestion,
      streetNumber: "8",
      streetType: "PL",
      streetName: "BELLECOUR",
      postalCode: "69002",
      communeName: "LYON 2E",
      communeCode: "69382",
    });
    const email = "claire.banc@gestion.com";
    const password = "Vingt-Trois-Lapins-Bleus";
    const { spaceId } = await makeActiveSpace(t.ctx, { email, password, firstName: "Claire", lastName: "Banc", siren: SEED.gestion.siren });
    await makePortfolio(
      { ...t.ctx, publicUrl: ISSUER },
      { spaceId, sirens: [SEED.martin.siren], services: ["messagerie"], companyEmail: () => "contact@martin.example" },
    );
    for (let i = 0; i < requests; i++) {
      await fileRequest(t.ctx, spaceId, {
        siren: SEED.martin.siren,
        tax: "TVA",
        nature: "question",
        subject: `Question ${i}`,
        body: "Bonjour, une question.",
        uploadIds: [],
      });
    }
    await signIn(t.ctx, { email, password, ip: "127.0.0.1" });
    const session = await verifyDevice(t.ctx, { email, code: await readQueuedCode(t.ctx.db, email, /Code de connexion : (\d{6})/), ip: "127.0.0.1" });
    const jar = new CookieJar();
    jar.set("mp_session", session.token, session.csrfToken);

    const send = await listen(t);
    const base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    // One grant per connection of the token-endpoint load: each rotates its own refresh token.
    const grants = [];
    for (let i = 0; i <= connections; i++) grants.push(await obtainTokens(t, send, config, { jar }, "all", "messagerie.read"));
    const token = grants[0]!.access_token;

    const url = `${base}/api/v1/requests?limit=50`;
    // Alternated, so that drift on a shared machine weighs on both sides alike.
    const cookie1 = await load(url, { cookie: `mp_session=${session.token}` }, seconds, connections);
    const bearer1 = await load(url, { authorization: `Bearer ${token}` }, seconds, connections);
    const cookie2 = await load(url, { cookie: `mp_session=${session.token}` }, seconds, connections);
    const bearer2 = await load(url, { authorization: `Bearer ${token}` }, seconds, connections);
    const mean = (a: typeof cookie1, b: typeof cookie1) => ({
      rps: (a.rps + b.rps) / 2,
      p50: (a.p50 + b.p50) / 2,
      p95: (a.p95 + b.p95) / 2,
      p99: (a.p99 + b.p99) / 2,
    });
    const cookie = mean(cookie1, cookie2);
    const bearer = mean(bearer1, bearer2);

    // The token endpoint: refresh after refresh, each connection on its own rotating chain.
    const basic = `Basic ${Buffer.from(`${software.clientId}:${software.clientSecret}`).toString("base64")}`;
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      grants.slice(1).map(async (g) => {
        let refresh = g.refresh_token!;
        while (performance.now() < until) {
          const t0 = performance.now();
          const res = await fetch(`${base}/oauth/token`, {
            method: "POST",
            headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refresh }).toString(),
          });
          const body = (await res.json()) as { refresh_token?: string; error?: string };
          if (!res.ok || !body.refresh_token) throw new Error(`refresh refused: ${JSON.stringify(body)}`);
          refresh = body.refresh_token;
          times.push(performance.now() - t0);
        }
      }),
    );
    times.sort((a, b) => a - b);
    const refresh = { count: times.length, rps: times.length / seconds, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
    return { requests, connections, seconds, cookie, bearer, runs: { cookie1, bearer1, cookie2, bearer2 }, refresh };
  } finally {
    await t.close();
  }
}
