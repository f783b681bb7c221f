import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { link, mkdir, open as openFile, readdir, stat, unlink, utimes } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DomainError } from "./errors.js";

/** A file streamed in but not yet stored under its key: checked first, then kept or dropped. */
export type StagedFile = {
  key: string;
  sha256: string;
  size: number;
  /** Reads the staged content (antivirus, type checks). */
  open(): Promise<Readable>;
  /**
   * Stores the file under its key (the same content may already be there: it is stored once). The staged content
   * stays until `drop()`, so that keeping again is possible (a sweep may remove an old copy of the same content
   * between a keep and the commit of the row that names it).
   */
  keep(): Promise<void>;
  /** Deletes the staged content. */
  drop(): Promise<void>;
};

/** Where files live: a port, so that a shared object store can replace the local folder. */
export type FileStore = {
  /** Streams a file in, hashing it; `inspect` sees every chunk (size limits, type sniffing) and may throw. */
  stage(input: Readable, inspect?: (chunk: Buffer) => void): Promise<StagedFile>;
  /**
   * Stores `size` bytes whose SHA-256 (`key`) the sender announced, as they stream in: nothing staged, so that the
   * store receives them while they arrive. Bytes that are not the key's (another length, another hash) are refused
   * with a "file integrity" error, and no object holds them.
   */
  write(key: string, size: number, input: Readable): Promise<void>;
  /** A stored file's content; a missing or unreadable file rejects with `FileUnavailableError` (coded 503). */
  open(key: string): Promise<Readable>;
  /** Whether a file is stored; throws when the store cannot tell (never "absent" for "unreachable"). */
  exists(key: string): Promise<boolean>;
  remove(key: string): Promise<void>;
  /**
   * Marks a stored file as let go by a row that named it, at `at`: the sweep counts its grace from then, so a database
   * restored to a moment before the row went still finds the file. A missing file is left missing.
   */
  release(key: string, at: Date): Promise<void>;
  /** Every stored key, or those last written before `storedBefore` (for the sweep of files no row refers to). */
  keys(storedBefore?: Date): AsyncIterable<string>;
  /** Deletes staged files older than `before`: uploads cut off by a crash. Answers how many. */
  dropStaleStaged(before: Date): Promise<number>;
  /** Checks at start that the store answers (an object store's bucket is created when `create` is set). */
  check(options?: { create?: boolean }): Promise<void>;
};

/**
 * A stored file that cannot be read: gone (a sweep, a lost disk) or a store that answers an error. The download or
 * job that needed it fails with this (503 `file_unavailable`), the process goes on; `Retry-After` only when a
 * later attempt may succeed (the store failed, the file is not known to be gone).
 */
export class FileUnavailableError extends DomainError {
  constructor(
    readonly key: string,
    readonly gone: boolean,
    cause: unknown,
  ) {
    super(
      "unavailable",
      "file_unavailable",
      gone
        ? "Le fichier demandé est introuvable dans le stockage : il ne peut pas être servi pour le moment. Le support en est informé."
        : "Le stockage des fichiers ne répond pas : réessayez dans quelques instants.",
      undefined,
      gone ? undefined : 30,
    );
    this.name = "FileUnavailableError";
    this.cause = cause;
  }
}

const KEY = /^[0-9a-f]{64}$/;

/** The check of a file key: the store names files by their SHA-256 only. */
export function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error("invalid file key");
  return key;
}

/** A pass-through that hashes and counts what crosses it; `inspect` sees every chunk and may throw. */
export function hashingTap(inspect?: (chunk: Buffer) => void) {
  const hash = createHash("sha256");
  let size = 0;
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
  return { tap, result: () => ({ sha256: hash.digest("hex"), size }) };
}

/** Stores announced bytes by staging them first: kept only when they are the `size` bytes of `key`. */
export async function writeStaged(store: Pick<FileStore, "stage">, key: string, size: number, input: Readable): Promise<void> {
  const staged = await store.stage(input);
  try {
    if (staged.size !== size || staged.sha256 !== key)
      throw new Error(`file integrity: ${staged.size} bytes hashing to ${staged.sha256} were announced as ${size} bytes of ${key}`);
    await staged.keep();
  } finally {
    await staged.drop();
  }
}

/** Opens a local file for reading once it is known to be open: a missing file rejects here, not as a stream event. */
export async function openLocalFile(path: string, key = ""): Promise<Readable> {
  try {
    const handle = await openFile(path, "r");
    return handle.createReadStream();
  } catch (error) {
    throw new FileUnavailableError(key, (error as NodeJS.ErrnoException).code === "ENOENT", error);
  }
}

/** A staging folder of files streamed in: each under a random name, written once, read back, then dropped. */
export function localStaging(dir: string) {
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    /** Streams `input` into a new staged file, hashing it. */
    async write(input: Readable, inspect?: (chunk: Buffer) => void) {
      const path = join(dir, randomUUID());
      const { tap, result } = hashingTap(inspect);
      try {
        await pipeline(input, tap, createWriteStream(path, { mode: 0o600 }));
      } catch (error) {
        await unlink(path).catch(() => {});
        throw error;
      }
      return { path, ...result() };
    },
    /** Deletes the staged files last written before `before`. */
    async dropOlderThan(before: Date): Promise<number> {
      let n = 0;
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
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

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/**
 * A content-addressed store in a local folder: a file is written to a temporary name while it streams in, then
 * linked to its SHA-256 (atomic on one file system). The same content is stored once.
 */
export function localFileStore(dir: string): FileStore {
  const root = resolve(dir);
  const staging = localStaging(join(root, "tmp"));
  const pathOf = (key: string) => join(root, key.slice(0, 2), checkedKey(key));
  return {
    async stage(input, inspect) {
      const { path: tmp, sha256, size } = await staging.write(input, inspect);
      return {
        key: sha256,
        sha256,
        size,
        open: () => openLocalFile(tmp),
        async keep() {
          await mkdir(join(root, sha256.slice(0, 2)), { recursive: true });
          try {
            await link(tmp, pathOf(sha256));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            // Stored already (the same content): written again now, as far as the sweep's grace period is concerned.
            const now = new Date();
            await utimes(pathOf(sha256), now, now);
          }
        },
        drop: () => unlink(tmp).catch(() => {}),
      };
    },
    write(key, size, input) {
      return writeStaged(this, checkedKey(key), size, input);
    },
    open: (key) => openLocalFile(pathOf(key), key),
    exists: async (key) =>
      stat(pathOf(key)).then(
        () => true,
        (error: unknown) => {
          if (missing(error)) return false;
          throw error;
        },
      ),
    remove: async (key) =>
      unlink(pathOf(key)).catch((error: unknown) => {
        if (!missing(error)) throw error;
      }),
    release: async (key, at) =>
      utimes(pathOf(key), at, at).catch((error: unknown) => {
        if (!missing(error)) throw error;
      }),
    async *keys(storedBefore) {
      for (const folder of (await readdir(root)).sort()) {
        if (!/^[0-9a-f]{2}$/.test(folder)) continue;
        for (const name of (await readdir(join(root, folder)).catch(() => [] as string[])).sort()) {
          if (!KEY.test(name)) continue;
          if (storedBefore) {
            const info = await stat(join(root, folder, name)).catch(() => null);
            if (!info || info.mtime >= storedBefore) continue;
          }
          yield name;
        }
      }
    },
    dropStaleStaged: (before) => staging.dropOlderThan(before),
    async check() {
      await stat(root);
    },
  };
}
