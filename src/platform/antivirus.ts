import { Socket } from "node:net";
import type { Readable } from "node:stream";

/** An antivirus: `clean`, `infected` (with the signature), or throws when the scanner cannot be reached. */
export type Antivirus = { scan(input: Readable): Promise<{ clean: true } | { clean: false; signature: string }> };

/**
 * ClamAV's clamd over TCP with the INSTREAM command (`zINSTREAM\0`, chunks prefixed by their 4-byte big-endian
 * length, a zero-length chunk to end); clamd answers `stream: OK` or `stream: <name> FOUND`.
 */
export function clamdAntivirus(url: string, timeoutMs = 30_000): Antivirus {
  const { hostname, port } = new URL(url);
  return {
    scan(input) {
      return new Promise((resolve, reject) => {
        const socket = new Socket();
        let answer = "";
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          socket.destroy();
          input.destroy();
          reject(error);
        };
        // Listened to from the start: when clamd cannot be reached, the file is dropped while its read stream may
        // still be opening, and that stream's late error must land here, not crash the process.
        input.on("error", fail);
        socket.setTimeout(timeoutMs, () => fail(new Error("clamd timed out")));
        socket.on("error", fail);
        socket.on("data", (d) => (answer += d.toString("latin1")));
        socket.on("end", () => {
          if (settled) return;
          settled = true;
          const line = answer.replace(/\0/g, "").trim();
          const found = /^stream: (.+) FOUND$/.exec(line);
          if (found) resolve({ clean: false, signature: found[1]! });
          else if (/^stream: OK$/.test(line)) resolve({ clean: true });
          else reject(new Error(`clamd answered: ${line || "nothing"}`));
        });
        socket.connect(Number(port || 3310), hostname, () => {
          socket.write("zINSTREAM\0");
          input.on("data", (chunk: Buffer) => {
            const size = Buffer.alloc(4);
            size.writeUInt32BE(chunk.length);
            if (!socket.write(Buffer.concat([size, chunk]))) input.pause();
          });
          socket.on("drain", () => input.resume());
          input.on("end", () => socket.write(Buffer.alloc(4)));
        });
      });
    },
  };
}
