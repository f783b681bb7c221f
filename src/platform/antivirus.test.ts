import { describe, expect, it } from "vitest";
import { createReadStream, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clamdAntivirus } from "./antivirus.js";

describe("clamd antivirus", () => {
  it("fails closed when clamd is unreachable, and a file dropped meanwhile raises nothing unhandled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mp-av-"));
    try {
      const path = join(dir, "staged");
      writeFileSync(path, "Bonjour");
      // The read stream is still opening when the file goes: its ENOENT must be handled by the scan.
      const stream = createReadStream(path);
      const scan = clamdAntivirus("tcp://127.0.0.1:1", 1_000).scan(stream);
      unlinkSync(path);
      await expect(scan).rejects.toThrow();
      // Wait for the stream to close (events.once would reject on its error, which the scan listens to).
      if (!stream.closed) await new Promise<void>((resolve) => stream.once("close", () => resolve()));
      expect(stream.destroyed).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
