import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

/** The text of each page of a PDF (pdf.js), and the size of the first page in points. */
export async function pdfText(data: Uint8Array): Promise<{ pages: string[]; width: number; height: number }> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const pages: string[] = [];
  let width = 0;
  let height = 0;
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    if (i === 1) [, , width, height] = page.view as [number, number, number, number];
    const content = await page.getTextContent();
    pages.push(content.items.map((item) => ("str" in item ? item.str : "")).join("\n"));
  }
  await doc.destroy();
  return { pages, width, height };
}

/** The text of a PDF as poppler's `pdftotext` reads it back (what a reader extracts), line by line, trimmed, blank lines dropped. */
export function pdfLines(pdf: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), "pdf-"));
  try {
    writeFileSync(join(dir, "document.pdf"), pdf);
    const text = execFileSync("pdftotext", ["-enc", "UTF-8", join(dir, "document.pdf"), "-"], { encoding: "utf8" });
    return text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
