import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { mkdir, readdir, rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A file streamed in but not yet stored under its key: checked first, then kept or dropped. */
export type StagedFile = {
  key: string;
  sha256: string;
  size: number;
  /** Reads the staged content (antivirus, type checks). */
  open(): Readable;
  /** Stores the file under its key (the same content may already be there: it is stored once). */
  keep(): Promise<void>;
  /** Deletes the staged content. */
  drop(): Promise<void>;
};

/** Where files live: a port, so that a shared object store can replace the local folder. */
export type FileStore = {
  /** Streams a file in, hashing it; `inspect` sees every chunk (size limits, type sniffing) and may throw. */
  stage(input: Readable, inspect?: (chunk: Buffer) => void): Promise<StagedFile>;
  open(key: string): Readable;
  exists(key: string): Promise<boolean>;
  remove(key: string): Promise<void>;
  /** Every stored key (for the sweep of files no row refers to). */
  keys(): AsyncIterable<string>;
  /** Deletes staged files older than `before`: uploads cut off by a crash. Answers how many. */
  dropStaleStaged(before: Date): Promise<number>;
};

const KEY = /^[0-9a-f]{64}$/;

/**
 * A content-addressed store in a local folder: a file is written to a temporary name while it streams in, then
 * renamed to its SHA-256 (atomic on one file system). The same content is stored once.
 */
export function localFileStore(dir: string): FileStore {
  const root = resolve(dir);
  const staging = join(root, "tmp");
  mkdirSync(staging, { recursive: true });
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error("invalid file key");
    return join(root, key.slice(0, 2), key);
  };
  return {
    async stage(input, inspect) {
      const hash = createHash("sha256");
      let size = 0;
      const tmp = join(staging, randomUUID());
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
      return {
        key: sha256,
        sha256,
        size,
        open: () => createReadStream(tmp),
        async keep() {
          await mkdir(join(root, sha256.slice(0, 2)), { recursive: true });
          await rename(tmp, pathOf(sha256));
        },
        drop: () => unlink(tmp).catch(() => {}),
      };
    },
    open: (key) => createReadStream(pathOf(key)),
    exists: async (key) => stat(pathOf(key)).then(() => true, () => false),
    remove: async (key) => unlink(pathOf(key)).catch(() => {}),
    async *keys() {
      for (const folder of (await readdir(root)).sort()) {
        if (!/^[0-9a-f]{2}$/.test(folder)) continue;
        for (const name of (await readdir(join(root, folder)).catch(() => [] as string[])).sort()) if (KEY.test(name)) yield name;
      }
    },
    async dropStaleStaged(before) {
      let n = 0;
      for (const name of await readdir(staging)) {
        const path = join(staging, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtime < before) {
          await unlink(path).catch(() => {});
          n++;
        }
      }
      return n;
    },
  };
}
