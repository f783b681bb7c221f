import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Where files live: a port, so that a shared object store can replace the local folder. */
export type FileStore = {
  /** Streams a file in, hashing it; `inspect` sees every chunk (size limits, type sniffing) and may throw. */
  put(input: Readable, inspect?: (chunk: Buffer) => void): Promise<{ key: string; sha256: string; size: number }>;
  open(key: string): Readable;
  exists(key: string): Promise<boolean>;
  remove(key: string): Promise<void>;
};

/**
 * A content-addressed store in a local folder: a file is written to a temporary name while it streams in, then
 * renamed to its SHA-256 (atomic on one file system). The same content is stored once.
 */
export function localFileStore(dir: string): FileStore {
  const root = resolve(dir);
  mkdirSync(join(root, "tmp"), { recursive: true });
  const pathOf = (key: string) => {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error("invalid file key");
    return join(root, key.slice(0, 2), key);
  };
  return {
    async put(input, inspect) {
      const hash = createHash("sha256");
      let size = 0;
      const tmp = join(root, "tmp", randomUUID());
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          try {
            size += chunk.length;
            inspect?.(chunk);
            hash.update(chunk);
            done(null, chunk);
          } catch (error) {
            done(error as Error);
          }
        },
      });
      try {
        await pipeline(input, tap, createWriteStream(tmp, { mode: 0o600 }));
      } catch (error) {
        await unlink(tmp).catch(() => {});
        throw error;
      }
      const sha256 = hash.digest("hex");
      const target = pathOf(sha256);
      mkdirSync(join(root, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, target);
      return { key: sha256, sha256, size };
    },
    open: (key) => createReadStream(pathOf(key)),
    exists: async (key) => stat(pathOf(key)).then(() => true, () => false),
    remove: async (key) => unlink(pathOf(key)).catch(() => {}),
  };
}
