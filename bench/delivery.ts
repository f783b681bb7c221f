/**
 * What a first visit costs: a headless Chromium loads a page on a cold cache, and the bytes that came over the
 * network (compressed, headers excluded) are summed by kind. A second, warm visit shows what caching saves.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { WEB_DIST } from "../src/app/http.js";

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

export type PageCost = { path: string; transferredKB: number; byKind: Record<string, number>; requests: number; warmTransferredKB: number };

/** A page to load: its path, and the cookies of a session when it is a signed-in page. */
export type PageToLoad = string | { path: string; cookies: { name: string; value: string }[] };

export async function benchFirstLoad(base: string, pages: PageToLoad[]): Promise<PageCost[]> {
  if (!existsSync(`${WEB_DIST}/index.html`)) throw new Error("build the UI first (npm run build:web)");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const out: PageCost[] = [];
  try {
    for (const p of pages) {
      const { path, cookies } = typeof p === "string" ? { path: p, cookies: [] } : p;
      const context = await browser.newContext({ locale: "fr-FR" });
      await context.addCookies(cookies.map((c) => ({ ...c, url: base })));
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      const kinds = new Map<string, string>();
      const urls = new Map<string, string>();
      const sizes = { cold: new Map<string, number>(), warm: new Map<string, number>() };
      let phase: "cold" | "warm" = "cold";
      cdp.on("Network.responseReceived", (e) => {
        kinds.set(e.requestId, e.type);
        urls.set(e.requestId, e.response.url.replace(base, ""));
      });
      cdp.on("Network.loadingFinished", (e) => sizes[phase].set(e.requestId, e.encodedDataLength));
      await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
      phase = "warm";
      await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
      const byKind: Record<string, number> = {};
      for (const [id, bytes] of sizes.cold) {
        const kind = (kinds.get(id) ?? "Other").toLowerCase();
        byKind[kind] = Math.round(((byKind[kind] ?? 0) + bytes / 1024) * 10) / 10;
      }
      // DELIVERY_DETAIL=1 lists what the first visit fetched, heaviest first.
      if (process.env.DELIVERY_DETAIL)
        for (const [id, bytes] of [...sizes.cold].sort((a, b) => b[1] - a[1]))
          process.stdout.write(`  ${path} ${(bytes / 1024).toFixed(1).padStart(6)} KB ${kinds.get(id) ?? "?"} ${urls.get(id) ?? id}\n`);
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / 1024;
      out.push({ path, transferredKB: sum(sizes.cold), byKind, requests: sizes.cold.size, warmTransferredKB: sum(sizes.warm) });
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}
