import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/** `WEB_DIST_DIR` builds elsewhere (the server reads the same variable), e.g. for two builds side by side. */
const OUT_DIR = process.env.WEB_DIST_DIR ?? fileURLToPath(new URL("../dist/web", import.meta.url));

/**
 * Writes a `.br` and a `.gz` beside every text asset of the build, once, at the best compression: the server
 * sends them as they are (no compression per request).
 */
function precompress(): Plugin {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  return {
    name: "messagerie-precompress",
    apply: "build",
    closeBundle() {
      for (const file of walk(OUT_DIR).filter((f) => /\.(js|css|html|svg|json|txt)$/.test(f))) {
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }),
        );
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react(), precompress()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    // The DSFR's 1,600 icons stay files, fetched only when a page shows them, instead of 2 MB of inlined CSS.
    assetsInlineLimit: (file: string) => (file.endsWith(".svg") ? false : undefined),
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
