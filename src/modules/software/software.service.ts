import { randomBytes } from "node:crypto";
import type { Executor } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import type { SoftwareActing } from "../../platform/acting.js";
import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import type { AuthorizationServer } from "./software.provider.js";
import { accessTokenForCall, clientSecret, softwareById } from "./software.repository.js";
import { artifactKey, prefetchArtifact } from "./software.adapter.js";

export type SoftwareDeps = { db: Executor; clock: Clock; server: AuthorizationServer; oauthKey: string };

// The operator's registry (cli) ------------------------------------------------------------------------------

/** A redirect URI as RFC 9700 wants it: absolute, no fragment, https (or http on the loopback, for tests and desktops). */
export function checkRedirectUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new DomainError("invalid", "invalid_redirect_uri", `Adresse de retour invalide : « ${uri} » n'est pas une URL absolue.`);
  }
  if (url.hash) throw new DomainError("invalid", "invalid_redirect_uri", `Adresse de retour invalide : « ${uri} » ne doit pas contenir de fragment (#).`);
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new DomainError(
      "invalid",
      "invalid_redirect_uri",
      `Adresse de retour invalide : « ${uri} » doit être en https (http n'est admis que sur la machine locale).`,
    );
  }
  return uri;
}

export async function registerSoftware(
  deps: { db: Executor; clock: Clock; oauthKey: string },
  input: { name: string; redirectUris: string[]; public: boolean },
) {
  const name = input.name.trim();
  if (name.length < 2 || name.length > 80) throw new DomainError("invalid", "invalid_name", "Le nom du logiciel doit compter de 2 à 80 caractères.");
  if (input.redirectUris.length === 0) throw new DomainError("invalid", "invalid_redirect_uri", "Donnez au moins une adresse de retour (--redirect-uri).");
  const redirectUris = [...new Set(input.redirectUris.map(checkRedirectUri))];
  const clientId = `mp_${randomBytes(12).toString("base64url")}`;
  const salt = input.public ? null : randomBytes(16).toString("base64url");
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("software")
      .values({
        client_id: clientId,
        name,
        redirect_uris: JSON.stringify(redirectUris),
        public: input.public,
        secret_salt: salt,
        created_at: now,
        disabled_at: null,
      })
      .execute();
    await appendJournal(tx, now, {
      actor: { kind: "operator" },
      action: "software.registered",
      subject: { type: "software", id: clientId },
      data: { name, redirectUris, public: input.public },
    });
  });
  return { clientId, name, redirectUris, clientSecret: salt ? clientSecret(deps.oauthKey, clientId, salt) : null };
}

export async function listSoftware(db: Executor) {
  const rows = await db
    .selectFrom("software")
    .select(["client_id", "name", "redirect_uris", "public", "created_at", "disabled_at"])
    .select((eb) =>
      eb
        .selectFrom("software_grants")
        .select(eb.fn.countAll<string>().as("n"))
        .whereRef("software_grants.client_id", "=", "software.client_id")
        .where("revoked_at", "is", null)
        .as("grants"),
    )
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    clientId: r.client_id,
    name: r.name,
    redirectUris: r.redirect_uris,
    public: r.public,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
    liveGrants: Number(r.grants ?? 0),
  }));
}

/** Disables a software: its tokens stop on the next call and it can obtain no other (`invalid_client`). */
export async function disableSoftware(deps: { db: Executor; clock: Clock }, clientId: string) {
  const now = deps.clock.now();
  const row = await softwareById(deps.db, clientId);
  if (!row) throw new DomainError("not_found", "software_not_found", `Aucun logiciel n'a l'identifiant « ${clientId} ».`);
  if (row.disabled_at) return { clientId, revokedGrants: 0 };
  const revoked = await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable("software").set({ disabled_at: now }).where("client_id", "=", clientId).execute();
    const grants = await tx
      .updateTable("software_grants")
      .set({ revoked_at: now, revoked_why: "software_disabled" })
      .where("client_id", "=", clientId)
      .where("revoked_at", "is", null)
      .returning("grant_id")
      .execute();
    if (grants.length)
      await tx
        .deleteFrom("oauth_artifacts")
        .where(
          "grant_id",
          "in",
          grants.map((g) => g.grant_id),
        )
        .execute();
    await appendJournal(tx, now, {
      actor: { kind: "operator" },
      action: "software.disabled",
      subject: { type: "software", id: clientId },
      data: { revokedGrants: grants.length },
    });
    return grants.length;
  });
  return { clientId, revokedGrants: revoked };
}

// Bearer tokens ---------------------------------------------------------------------------------------------

/** Writing the last use back at most this often keeps a read a read. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The software and person behind an access token, read fresh on every call: the token (oidc-provider), the
 * person's grant, the software's state and the companies that cut it off. The person's rights themselves are read
 * by each route, restricted to the grant (platform/acting). Nothing of it is cached in the token.
 */
export function bearerResolver(deps: SoftwareDeps) {
  return async (token: string): Promise<SoftwareActing | null> => {
    if (token.length < 20 || token.length > 200) return null;
    // The token and its grant in one query; the provider then validates the token from what was read.
    const grant = await accessTokenForCall(deps.db, artifactKey("AccessToken", token));
    if (!grant?.grant_id) return null;
    const withdraw = prefetchArtifact("AccessToken", token, { payload: grant.payload, consumed_at: grant.consumed_at, expires_at: grant.artifact_expires_at });
    const accessToken = await deps.server.provider.AccessToken.find(token).finally(withdraw);
    if (!accessToken || accessToken.isExpired || !accessToken.grantId || !accessToken.accountId) return null;
    if (accessToken.aud !== deps.server.apiResource && !(Array.isArray(accessToken.aud) && accessToken.aud.includes(deps.server.apiResource))) return null;
    const now = deps.clock.now();
    if (
      grant.grant_id !== accessToken.grantId ||
      grant.revoked_at ||
      grant.disabled_at ||
      grant.space_id !== accessToken.accountId ||
      grant.client_id !== accessToken.clientId
    )
      return null;
    const granted = new Set(grant.scopes);
    const scopes = String(accessToken.scope ?? "")
      .split(" ")
      .filter((s) => granted.has(s));
    if (grant.expires_at <= now) return null;
    if (!grantTouchedRecently(grant.grant_id, now)) {
      await deps.db.updateTable("software_grants").set({ last_used_at: now }).where("grant_id", "=", grant.grant_id).execute();
    }
    return {
      clientId: grant.client_id,
      softwareName: grant.name,
      grantId: grant.grant_id,
      spaceId: grant.space_id,
      chosenCompanies: !grant.all_companies,
      cutOff: grant.cut_off === true,
      scopes,
    };
  };
}

const touched = new Map<string, number>();
function grantTouchedRecently(grantId: string, now: Date): boolean {
  const last = touched.get(grantId);
  if (last !== undefined && now.getTime() - last < TOUCH_EVERY_MS) return true;
  if (touched.size > 10_000) touched.clear();
  touched.set(grantId, now.getTime());
  return false;
}
