import { sql } from "kysely";
import { errors, type Adapter, type AdapterPayload } from "oidc-provider";
import type { Executor } from "../../platform/db/database.js";
import { sha256Hex } from "../../platform/crypto.js";
import { clientMetadata } from "./software.repository.js";

/**
 * The storage of the authorization server (oidc-provider's adapter interface) in PostgreSQL, on both engines.
 * Identifiers are stored hashed: for opaque tokens and codes the identifier *is* the value a software holds, so a
 * row read from the database cannot be replayed. `Client` is answered from the `software` table.
 */
/** The stored identifier of an artifact (hashed: for tokens and codes, the identifier is the value). */
export function artifactKey(model: string, id: string): string {
  return sha256Hex(`${model}:${id}`);
}

/**
 * Artifacts already read by a caller in the same query as what it needs beside them (the Bearer check reads the
 * token with its grant in one round trip); the provider's own `find` then takes them from here, once.
 */
const prefetched = new Map<string, StoredArtifact>();
type StoredArtifact = { payload: Record<string, unknown>; consumed_at: Date | null; expires_at: Date | null };

/** Hands an artifact read elsewhere to the next `find` of the same identifier; answers how to withdraw it. */
export function prefetchArtifact(model: string, id: string, row: StoredArtifact): () => void {
  const key = artifactKey(model, id);
  prefetched.set(key, row);
  return () => prefetched.delete(key);
}

export class SqlAdapter implements Adapter {
  constructor(
    private readonly db: Executor,
    private readonly model: string,
    private readonly oauthKey: string,
  ) {}

  private key(id: string): string {
    return artifactKey(this.model, id);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (this.model === "Client") throw new Error("Les logiciels s'enregistrent par la ligne de commande.");
    const { jti, ...rest } = payload;
    const stored = { ...rest, ...(jti !== undefined ? { hashedJti: true } : {}) };
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const uid = typeof payload.uid === "string" ? sha256Hex(`uid:${payload.uid}`) : null;
    // A grant is a member of its own family: revoking by grant id removes it with its tokens.
    const grantId = payload.grantId ?? (this.model === "Grant" ? id : null);
    await this.db
      .insertInto("oauth_artifacts")
      .values({ model: this.model, id: this.key(id), payload: JSON.stringify(stored), grant_id: grantId, uid, expires_at: expiresAt, consumed_at: null })
      .onConflict((oc) => oc.columns(["model", "id"]).doUpdateSet({ payload: JSON.stringify(stored), grant_id: grantId, uid, expires_at: expiresAt }))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === "Client") return clientMetadata(this.db, id, this.oauthKey);
    const key = this.key(id);
    const ready = prefetched.get(key);
    if (ready) {
      prefetched.delete(key);
      return revive(ready, id);
    }
    const row = await this.db
      .selectFrom("oauth_artifacts")
      .select(["payload", "consumed_at", "expires_at"])
      .where("model", "=", this.model)
      .where("id", "=", this.key(id))
      .executeTakeFirst();
    return row ? revive(row, id) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom("oauth_artifacts")
      .select(["payload", "consumed_at", "expires_at"])
      .where("model", "=", this.model)
      .where("uid", "=", sha256Hex(`uid:${uid}`))
      .executeTakeFirst();
    // A session found by its uid is then used by its own id, which the payload does not need.
    return row ? revive(row, undefined) : undefined;
  }

  // No device flow: no user code to look up (the adapter's interface asks for a promise).
  findByUserCode(): Promise<AdapterPayload | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Consumes a code or a refresh token in one conditional statement: of parallel uses exactly one wins. A use that
   * loses the race is a replay, treated as the provider treats a sequential one: the whole family is revoked and
   * the call answers `invalid_grant` (the error names the grant so that the revocation is recorded).
   */
  async consume(id: string): Promise<void> {
    const won = await this.db
      .updateTable("oauth_artifacts")
      .set({ consumed_at: new Date() })
      .where("model", "=", this.model)
      .where("id", "=", this.key(id))
      .where("consumed_at", "is", null)
      .returning("grant_id")
      .executeTakeFirst();
    if (won) return;
    const lost = await this.db
      .selectFrom("oauth_artifacts")
      .select("grant_id")
      .where("model", "=", this.model)
      .where("id", "=", this.key(id))
      .executeTakeFirst();
    if (lost?.grant_id) await this.revokeByGrantId(lost.grant_id);
    throw Object.assign(new errors.InvalidGrant(`${this.model} already used`), { replayedGrantId: lost?.grant_id ?? undefined });
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom("oauth_artifacts").where("model", "=", this.model).where("id", "=", this.key(id)).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom("oauth_artifacts").where("grant_id", "=", grantId).execute();
  }
}

function revive(row: StoredArtifact, id: string | undefined): AdapterPayload | undefined {
  if (row.expires_at && row.expires_at.getTime() <= Date.now()) return undefined;
  const { hashedJti, ...payload } = row.payload as AdapterPayload & { hashedJti?: boolean };
  return {
    ...payload,
    ...(hashedJti && id !== undefined ? { jti: id } : {}),
    ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : {}),
  };
}

/** Removes what has expired (housekeeping job). */
export async function purgeExpiredArtifacts(db: Executor): Promise<number> {
  const res = await db
    .deleteFrom("oauth_artifacts")
    .where("expires_at", "<=", sql<Date>`now()`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
