import { generate } from "otplib";
import { createServer } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { manualClock } from "../../src/platform/clock.js";
import { WEB_DIST } from "../../src/app/http.js";
import { call, seedReferenceData, startTestApp, type TestApp } from "./app.js";
import { makeActiveSpace, makeSimplifiedAdministrator } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { signIn } from "./people.js";
import { vi } from "vitest";

// A browser journey signs people in, files, uploads and reads back PDFs through a real Chromium: 15 s on a quiet
// machine, over a minute on a loaded one. Every file that drives the browser gets three minutes a test (a test may
// still name a longer limit of its own).
vi.setConfig({ testTimeout: 180_000 });

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export type BrowserApp = TestApp & { base: string; browser: Browser; cspViolations: string[]; newPage(): Promise<Page>; stop(): Promise<void> };

/**
 * Real time, read at each call and never going back: a step forward a helper takes (`agentSignIn` moves 30 s on, for
 * a fresh TOTP step) holds until real time catches up. Set back to real time, the server saw a code of a step still
 * to come (401); a clock brought up to real time by a timer lagged it as long as the event loop was busy, and a code
 * made in the browser or the test for the step just begun was refused the same way.
 */
function realTimeClock(): ReturnType<typeof manualClock> {
  let floor = 0;
  const now = () => new Date(Math.max(Date.now(), floor));
  return {
    now,
    advance: (ms) => {
      floor = now().getTime() + ms;
    },
    set: (d) => {
      floor = d.getTime();
    },
  };
}

/**
 * The application served over HTTP with the built UI, on real time (browser and server must agree on the clock),
 * with PUBLIC_URL pointing at itself so that mailed links work, and a headless Chromium.
 */
export async function startBrowserApp(): Promise<BrowserApp> {
  const clock = realTimeClock();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ PUBLIC_URL: base }, { webDir: WEB_DIST, clock });
  t.ctx.worker.start();
  await t.app.listen({ host: "127.0.0.1", port });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const cspViolations: string[] = [];
  return {
    ...t,
    base,
    browser,
    cspViolations,
    async newPage() {
      // A context of its own (what a new browser profile would be), closed with the page; axe needs one.
      const context = await browser.newContext({ locale: "fr-FR" });
      const page = await context.newPage();
      page.on("close", () => void context.close().catch(() => {}));
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      return page;
    },
    async stop() {
      await browser.close();
      await t.close();
    },
  };
}

/** Reads a value from the latest mail to an address, through the mail catcher page, as a newcomer would. */
export async function fromMailCatcher(app: BrowserApp, to: string, pattern: RegExp): Promise<string> {
  const page = await app.newPage();
  try {
    await page.goto(`${app.base}/dev/mail`);
    await page.getByLabel("Destinataire").fill(to);
    await page.getByRole("button", { name: "Filtrer" }).click();
    for (let i = 0; i < 50; i++) {
      // Newest first: another mail to the same person (a notice) may have come after the one sought.
      const texts = await page
        .locator("article pre")
        .allTextContents()
        .catch(() => [] as string[]);
      const match = texts.map((text) => text.match(pattern)).find((m) => m?.[1]);
      if (match?.[1]) return match[1];
      await page.waitForTimeout(200);
    }
    throw new Error(`nothing matching ${pattern} for ${to} in the mail catcher`);
  } finally {
    await page.close();
  }
}

/** Reads a field of the latest letter to a SIREN from the letter box page. */
export async function fromLetterBox(app: BrowserApp, siren: string, field: "activationCode" | "oppositionCode" | "requester"): Promise<string> {
  const page = await app.newPage();
  try {
    for (let i = 0; i < 25; i++) {
      await page.goto(`${app.base}/dev/letters`);
      const article = page.locator("article", { hasText: `SIREN ${siren}` }).first();
      const value = await article
        .locator(`[data-field="${field}"] dd`)
        .textContent({ timeout: 1000 })
        .catch(() => null);
      if (value) return value.trim();
      await page.waitForTimeout(200);
    }
    throw new Error(`no letter for ${siren} in the letter box`);
  } finally {
    await page.close();
  }
}

/** Signs in through the UI, entering the new-device code read in the mail catcher. */
export async function signInThroughUi(app: BrowserApp, page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${app.base}/connexion`);
  await page.getByLabel(/^Adresse électronique de connexion/).fill(email);
  await page.getByLabel("Mot de passe", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(/\/connexion\/appareil|\/mon-espace/);
  if (page.url().endsWith("/connexion/appareil")) {
    const code = await fromMailCatcher(app, email, /Code de connexion : (\d{6})/);
    await page.getByLabel("Code de connexion").fill(code);
    await page.getByRole("button", { name: "Valider" }).click();
  }
  try {
    await page.waitForURL(`${app.base}/mon-espace`, { timeout: 10_000 });
  } catch (error) {
    throw new Error(`sign-in of ${email} did not reach « mon espace »: ${(await page.locator("main").textContent())?.slice(0, 500)}`, { cause: error });
  }
}

export const STORY = { password: "Vingt-Trois-Lapins-Bleus", robert: "robert.lambda@martindistribution.com", lila: "lila.rosemonde@gestion.com" };

/**
 * The seed's cast for the messagerie stories: Robert Lambda administers Martin distribution (simplified mode) and
 * delegates « gestion de la TVA » to Lila Rosemonde of Cabinet GESTION, who accepts. Answers their API sessions.
 */
export async function robertDelegatesVatToLila(app: BrowserApp) {
  await seedReferenceData(app.ctx);
  await makeSimplifiedAdministrator(
    { ...app.ctx, publicUrl: app.base },
    { email: STORY.robert, password: STORY.password, firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren },
  );
  await makeActiveSpace(app.ctx, { email: STORY.lila, password: STORY.password, firstName: "Lila", lastName: "Rosemonde", siren: SEED.gestion.siren });
  const robert = await signIn(app, STORY.robert, STORY.password);
  const offer = await call(app.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: robert,
    body: { email: STORY.lila, role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
  });
  const lila = await signIn(app, STORY.lila, STORY.password);
  await call(app.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila });
  return { robert, lila };
}

/**
 * The WCAG 2.1 A and AA violations axe finds on the page as it is now, one line each (rule, impact, the first
 * offending elements): an empty list is a pass.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // A DSFR dialog fades in: checked mid-transition, its buttons' colours are blended with the page behind and fail
  // the contrast rule. The check waits until every transition or animation that ends has ended.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getComputedTiming().endTime === Infinity));
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact ?? "?"}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(" | ")}`,
  );
}

/** An agent signs in to the back office through its page (password and the TOTP code of the moment). */
export async function agentSignsInThroughUi(
  app: BrowserApp,
  page: Page,
  who: { email: string; secret: string },
  password = "Guichet-Fiscal-Solide-42",
): Promise<void> {
  await page.goto(`${app.base}/agent/connexion`);
  await page.getByLabel("Adresse électronique professionnelle").fill(who.email);
  await page.getByLabel("Mot de passe", { exact: true }).fill(password);
  await page.getByLabel("Code de votre application d'authentification").fill(await generate({ secret: who.secret }));
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(`${app.base}/agent`);
}
