import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The lint catches the classic promise mistakes. Each fixture under test/fixtures/lint/ is clean on disk (the
 * project's own lint reads it); the same file with the mistake put in must be reported, by its rule.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/lint/${name}`, import.meta.url));

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The rules that report `source`, linted as the file at `filePath` (which gives it its types and its config). */
async function rulesReporting(source: string, filePath: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(source, { filePath });
  expect(result, `no lint result for ${filePath}`).toBeDefined();
  return result!.messages.map((m) => m.ruleId);
}

/** `text` with `from` replaced by `to`, once: the fixture must hold the place where the mistake goes. */
function withMistake(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe("the lint", () => {
  it("reports a floating promise (a call to an async function left unawaited)", async () => {
    const path = fixture("floating-promise.ts");
    const clean = readFileSync(path, "utf8");
    expect(await rulesReporting(clean, path)).toEqual([]);
    const faulty = withMistake(clean, "  await save(record);\n", "  save(record);\n");
    expect(await rulesReporting(faulty, path)).toContain("@typescript-eslint/no-floating-promises");
  });

  it("reports misused promises (an async forEach callback, a promise tested as a condition)", async () => {
    const path = fixture("misused-promise.ts");
    const clean = readFileSync(path, "utf8");
    expect(await rulesReporting(clean, path)).toEqual([]);
    const asCallback = withMistake(
      clean,
      "  for (const address of addresses) if (await send(address)) sent++;\n",
      "  addresses.forEach(async (address) => {\n    if (await send(address)) sent++;\n  });\n",
    );
    expect(await rulesReporting(asCallback, path)).toContain("@typescript-eslint/no-misused-promises");
    const asCondition = withMistake(clean, "if (await send(address))", "if (send(address))");
    expect(await rulesReporting(asCondition, path)).toContain("@typescript-eslint/no-misused-promises");
  });
});
