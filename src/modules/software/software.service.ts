import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import type { SoftwareActing } from "../../platform/acting.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { appendJournal } from "../journal/index.js";
import { getSpaces } from "../spaces/index.js";
import { getCompanies } from "../companies/index.js";
import { liveRight, liveRightsIn, managesCompany } from "../rights/index.js";
import { SOFTWARE_SCOPE_LABELS } from "../../shared/labels.js";
import type { AuthorizationServer } from "./software.provider.js";
import { LIFETIMES } from "./software.provider.js";
import { accessTokenForCall, clientSecret, SCOPES, softwareById, type Scope } from "./software.repository.js";
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
    throw new DomainError("invalid", "invalid_redirect_uri", `Adresse de retour invalide : « ${uri} » doit être en https (http n'est admis que sur la machine locale).`);
  }
  return uri;
}

export async function registerSoftware(deps: { db: Executor; clock: Clock; oauthKey: string }, input: { name: string; redirectUris: string[]; public: boolean }) {
  const name = input.name.trim();
  if (name.length < 2 || name.length > 80) throw new DomainError("invalid", "invalid_name", "Le nom du logiciel doit compter de 2 à 80 caractères.");
  if (input.redirectUris.length === 0) throw new DomainError("invalid", "invalid_redirect_uri", "Donnez au moins une adresse de retour (--redirect-uri).");
  const redirectUris = [...new Set(input.redirectUris.map(checkRedirectUri))];
  const clientId = `mp_${randomBytes(12).toString("base64url")}`;
  const salt = input.public ? null : randomBytes(16).toString("base64url");
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx.insertInto("software").values({ client_id: clientId, name, redirect_uris: JSON.stringify(redirectUris), public: input.public, secret_salt: salt, created_at: now, disabled_at: null }).execute();
    await appendJournal(tx, now, { actor: { kind: "operator" }, action: "software.registered", subject: { type: "software", id: clientId }, data: { name, redirectUris, public: input.public } });
  });
  return { clientId, name, redirectUris, clientSecret: salt ? clientSecret(deps.oauthKey, clientId, salt) : null };
}

export async function listSoftware(db: Executor) {
  const rows = await db
    .selectFrom("software")
    .select(["client_id", "name", "redirect_uris", "public", "created_at", "disabled_at"])
    .select((eb) => eb.selectFrom("software_grants").select(eb.fn.countAll<string>().as("n")).whereRef("software_grants.client_id", "=", "software.client_id").where("revoked_at", "is", null).as("grants"))
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({ clientId: r.client_id, name: r.name, redirectUris: r.redirect_uris, public: r.public, createdAt: r.created_at, disabledAt: r.disabled_at, liveGrants: Number(r.grants ?? 0) }));
}

/** Disables a software: its tokens stop on the next call and it can obtain no other (`invalid_client`). */
export async function disableSoftware(deps: { db: Executor; clock: Clock }, clientId: string) {
  const now = deps.clock.now();
  const row = await softwareById(deps.db, clientId);
  if (!row) throw new DomainError("not_found", "software_not_found", `Aucun logiciel n'a l'identifiant « ${clientId} ».`);
  if (row.disabled_at) return { clientId, revokedGrants: 0 };
  const revoked = await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable("software").set({ disabled_at: now }).where("client_id", "=", clientId).execute();
    const grants = await tx.updateTable("software_grants").set({ revoked_at: now, revoked_why: "software_disabled" }).where("client_id", "=", clientId).where("revoked_at", "is", null).returning("grant_id").execute();
    if (grants.length) await tx.deleteFrom("oauth_artifacts").where("grant_id", "in", grants.map((g) => g.grant_id)).execute();
    await appendJournal(tx, now, { actor: { kind: "operator" }, action: "software.disabled", subject: { type: "software", id: clientId }, data: { revokedGrants: grants.length } });
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
    if (grant.grant_id !== accessToken.grantId || grant.revoked_at || grant.disabled_at || grant.space_id !== accessToken.accountId || grant.client_id !== accessToken.clientId) return null;
    const granted = new Set(grant.scopes);
    const scopes = String(accessToken.scope ?? "").split(" ").filter((s) => granted.has(s));
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

// Consent ---------------------------------------------------------------------------------------------------

/**
 * The interaction `uid` names, if this browser started it (`browserUid`, from its interaction cookie): a consent
 * page opened from a link in another browser cannot be answered, so nobody can consent for someone else's request.
 */
async function interactionOf(deps: SoftwareDeps, uid: string, browserUid: string | undefined) {
  const interaction = /^[A-Za-z0-9_-]{10,64}$/.test(uid) ? await deps.server.provider.Interaction.find(uid) : undefined;
  if (!interaction || interaction.result) throw new DomainError("gone", "authorization_expired", "Cette demande d'autorisation a expiré ou a déjà été traitée : recommencez depuis le logiciel.");
  if (browserUid !== interaction.uid) {
    throw new DomainError(
      "forbidden",
      "authorization_other_browser",
      "Ce lien d'autorisation ne peut pas être utilisé dans ce navigateur : une autorisation se donne dans le navigateur où le logiciel l'a demandée. Recommencez la connexion depuis le logiciel.",
    );
  }
  const clientId = String(interaction.params.client_id ?? "");
  const software = await softwareById(deps.db, clientId);
  if (!software || software.disabled_at) throw new DomainError("gone", "authorization_expired", "Ce logiciel n'est plus autorisé à se connecter à la messagerie.");
  const requested = new Set(String(interaction.params.scope ?? "").split(" "));
  const scopes = SCOPES.filter((s) => requested.has(s));
  return { interaction, software, scopes };
}

/** What the consent page shows: the software, what it asks for in plain words. */
export async function describeInteraction(deps: SoftwareDeps, uid: string, browserUid: string | undefined) {
  const { interaction, software, scopes } = await interactionOf(deps, uid, browserUid);
  // Where the browser goes back to: the redirect URI this authorization asked for (one of the registered ones).
  const redirectUri = String(interaction.params.redirect_uri ?? software.redirect_uris[0] ?? deps.server.apiResource);
  return {
    software: { clientId: software.client_id, name: software.name },
    scopes: scopes.map((code) => ({ code, label: SOFTWARE_SCOPE_LABELS[code] })),
    redirectHost: new URL(redirectUri).host,
  };
}

/**
 * Whether the browser resuming interaction `uid` is signed in as the person who consented (`spaceId`): when it is
 * not, the consent is void (the interaction is destroyed) and no code is issued.
 */
export async function isConsentingPerson(deps: SoftwareDeps, uid: string, spaceId: string | undefined): Promise<boolean> {
  const interaction = await deps.server.provider.Interaction.find(uid);
  const accountId = (interaction?.result as { login?: { accountId?: string } } | undefined)?.login?.accountId;
  if (!interaction || accountId === undefined || accountId === spaceId) return true;
  await interaction.destroy();
  return false;
}

export type ConsentInput = { decision: "allow"; companies: "all" | string[] } | { decision: "deny" };

/**
 * The person's answer: a grant for the scopes asked, on all her companies or the chosen ones (each one she holds
 * a live right on), or a refusal the software hears as `access_denied`. Answers where to send the browser back.
 */
export async function answerInteraction(deps: SoftwareDeps, spaceId: string, uid: string, browserUid: string | undefined, input: ConsentInput): Promise<{ redirectTo: string }> {
  const { interaction, software, scopes } = await interactionOf(deps, uid, browserUid);
  const now = deps.clock.now();
  const remaining = Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000));
  if (input.decision === "deny") {
    interaction.result = { error: "access_denied", error_description: "La personne a refusé l'autorisation." };
    await interaction.save(remaining);
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "software.consent_refused", subject: { type: "software", id: software.client_id } }),
    );
    return { redirectTo: interaction.returnTo };
  }
  if (scopes.length === 0) throw new DomainError("refused", "no_scope", "Le logiciel ne demande aucune permission connue : l'autorisation est impossible.");
  let sirens: string[] = [];
  if (input.companies !== "all") {
    sirens = [...new Set(input.companies)];
    if (sirens.length === 0) throw new DomainError("invalid", "no_company", "Choisissez au moins une entreprise, ou « Toutes mes entreprises ».", { field: "companies" });
    if (sirens.length > 10_000) throw new DomainError("invalid", "too_many_companies", "Au plus 10 000 entreprises à la fois.", { field: "companies" });
    const held = new Set((await liveRightsIn(deps.db, spaceId, now, sirens)).map((r) => r.siren));
    const foreign = sirens.filter((s) => !held.has(s));
    if (foreign.length) throw new DomainError("refused", "company_not_held", `Vous n'avez pas de droit sur ${foreign.length === 1 ? "l'entreprise" : "les entreprises"} ${foreign.slice(0, 5).join(", ")}.`, { field: "companies", sirens: foreign.slice(0, 20) });
  }
  const { Grant } = deps.server.provider;
  const grant = new Grant({ accountId: spaceId, clientId: software.client_id });
  grant.addResourceScope(deps.server.apiResource, scopes.join(" "));
  const grantId = await grant.save();
  const id = randomUUID();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("software_grants")
      .values({
        grant_id: grantId,
        id,
        client_id: software.client_id,
        space_id: spaceId,
        scopes: JSON.stringify(scopes),
        all_companies: input.companies === "all",
        created_at: now,
        expires_at: new Date(now.getTime() + LIFETIMES.grantSeconds * 1000),
        last_used_at: null,
        revoked_at: null,
        revoked_why: null,
      })
      .execute();
    for (let i = 0; i < sirens.length; i += 1000) {
      await tx.insertInto("software_grant_companies").values(sirens.slice(i, i + 1000).map((siren) => ({ grant_id: grantId, siren }))).execute();
    }
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "software.granted",
      subject: { type: "software_grant", id },
      data: { clientId: software.client_id, software: software.name, scopes, companies: input.companies === "all" ? "all" : sirens },
    });
  });
  interaction.result = { login: { accountId: spaceId, remember: false }, consent: { grantId } };
  await interaction.save(remaining);
  return { redirectTo: interaction.returnTo };
}

// « Logiciels autorisés » -----------------------------------------------------------------------------------

export type AuthorizedSoftware = {
  grantId: string;
  software: { clientId: string; name: string };
  scopes: { code: Scope; label: string }[];
  companies: "all" | { siren: string; name: string }[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
};

/** The person's live grants, newest first, keyset-paginated. */
export async function listAuthorizedSoftware(deps: SoftwareDeps, spaceId: string, limit: number, cursor?: string) {
  let q = deps.db
    .selectFrom("software_grants as g")
    .innerJoin("software as s", "s.client_id", "g.client_id")
    .select(["g.grant_id", "g.id", "g.client_id", "s.name", "g.scopes", "g.all_companies", "g.created_at", "g.last_used_at", "g.expires_at"])
    .where("g.space_id", "=", spaceId)
    .where("g.revoked_at", "is", null)
    .where("s.disabled_at", "is", null)
    .where("g.expires_at", ">", deps.clock.now());
  if (cursor) {
    const { at, id } = decodeKeyset(cursor);
    q = q.where(sql<boolean>`(g.created_at, g.id) < (${at}, ${id}::uuid)`);
  }
  const rows = await q.orderBy("g.created_at", "desc").orderBy("g.id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const chosen = page.filter((r) => !r.all_companies).map((r) => r.grant_id);
  const companies = chosen.length ? await deps.db.selectFrom("software_grant_companies").select(["grant_id", "siren"]).where("grant_id", "in", chosen).orderBy("siren").execute() : [];
  const names = await getCompanies(deps.db, [...new Set(companies.map((c) => c.siren))]);
  const items: AuthorizedSoftware[] = page.map((r) => ({
    grantId: r.id,
    software: { clientId: r.client_id, name: r.name },
    scopes: r.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)).map((code) => ({ code, label: SOFTWARE_SCOPE_LABELS[code] })),
    companies: r.all_companies ? "all" : companies.filter((c) => c.grant_id === r.grant_id).map((c) => ({ siren: c.siren, name: names.get(c.siren)?.name ?? c.siren })),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null };
}

/** Revokes a grant of the person: its tokens stop on the next call (the authorization server forgets them). */
export async function revokeAuthorizedSoftware(deps: SoftwareDeps, spaceId: string, id: string): Promise<void> {
  const row = await deps.db.selectFrom("software_grants").select(["grant_id", "client_id", "revoked_at"]).where("id", "=", id).where("space_id", "=", spaceId).executeTakeFirst();
  if (!row || row.revoked_at) throw notFound("autorisation");
  await revokeGrant(deps, row.grant_id, "person", { kind: "person", id: spaceId });
}

/** Marks a grant revoked and removes its tokens (idempotent: the authorization server may have done its part). */
export async function revokeGrant(deps: { db: Executor; clock: Clock }, grantId: string, why: "person" | "software" | "refresh_reuse", actor: { kind: "person"; id: string } | { kind: "system" }) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const done = await tx.updateTable("software_grants").set({ revoked_at: now, revoked_why: why }).where("grant_id", "=", grantId).where("revoked_at", "is", null).returning(["id", "client_id", "space_id"]).executeTakeFirst();
    await tx.deleteFrom("oauth_artifacts").where("grant_id", "=", grantId).execute();
    if (done) {
      await appendJournal(tx, now, {
        actor: actor.kind === "person" ? actor : { kind: "system" },
        action: "software.grant_revoked",
        subject: { type: "software_grant", id: done.id },
        data: { clientId: done.client_id, spaceId: done.space_id, why },
      });
    }
  });
}

/** Journals a token issued (code exchanged, refresh token rotated): called by the authorization server. */
export async function journalTokenIssued(deps: { db: Executor; clock: Clock }, grantType: string, grantId: string, clientId: string, accountId: string) {
  const now = deps.clock.now();
  const row = await deps.db.selectFrom("software_grants").select("id").where("grant_id", "=", grantId).executeTakeFirst();
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, now, {
      actor: { kind: "person", id: accountId },
      action: grantType === "refresh_token" ? "software.token_refreshed" : "software.token_issued",
      subject: { type: "software_grant", id: row?.id ?? grantId },
      data: { clientId },
    }),
  );
}

// « Qui agit pour mon entreprise » --------------------------------------------------------------------------

export type CompanySoftware = {
  id: string;
  software: { clientId: string; name: string };
  via: { id: string; name: string };
  since: Date;
  lastUsedAt: Date | null;
  scopes: Scope[];
  cutOff: { at: Date; by: string } | null;
};

async function assertManager(deps: { db: Executor; clock: Clock }, spaceId: string, siren: string) {
  const now = deps.clock.now();
  const held = await liveRightsIn(deps.db, spaceId, now, [siren]);
  if (held.length === 0) throw notFound("entreprise");
  if (!(await managesCompany(deps.db, spaceId, siren, now))) {
    throw new DomainError("forbidden", "not_company_manager", "Seuls les administrateurs et leurs suppléants voient les logiciels qui agissent pour l'entreprise.");
  }
}

/**
 * The software acting for a company: every live grant of a person holding a live right on it that covers it (all
 * her companies, or this one chosen), and whether the company cut it off.
 */
export async function listCompanySoftware(deps: { db: Executor; clock: Clock }, spaceId: string, siren: string, limit: number, cursor?: string) {
  const after = cursor ? decodeKeyset(cursor) : undefined;
  await assertManager(deps, spaceId, siren);
  const now = deps.clock.now();
  const rows = await sql<{ id: string; client_id: string; name: string; space_id: string; created_at: Date; last_used_at: Date | null; scopes: string[]; blocked_at: Date | null; blocked_by: string | null }>`
    SELECT g.id, g.client_id, s.name, g.space_id, g.created_at, g.last_used_at, g.scopes, b.blocked_at, b.blocked_by
    FROM software_grants g
    JOIN software s ON s.client_id = g.client_id AND s.disabled_at IS NULL
    LEFT JOIN software_company_blocks b ON b.client_id = g.client_id AND b.space_id = g.space_id AND b.siren = ${siren}
    WHERE g.revoked_at IS NULL AND g.expires_at > ${now}
      AND (g.all_companies OR EXISTS (SELECT 1 FROM software_grant_companies c WHERE c.grant_id = g.grant_id AND c.siren = ${siren}))
      AND EXISTS (SELECT 1 FROM rights r WHERE r.space_id = g.space_id AND r.siren = ${siren} AND ${liveRight("r", now)})
      ${after ? sql`AND (g.created_at, g.id) < (${after.at}, ${after.id}::uuid)` : sql``}
    ORDER BY g.created_at DESC, g.id DESC
    LIMIT ${limit + 1}`.execute(deps.db);
  const page = rows.rows.slice(0, limit);
  const people = new Map((await getSpaces(deps.db, [...new Set(page.flatMap((r) => [r.space_id, ...(r.blocked_by ? [r.blocked_by] : [])]))])).map((p) => [p.id, `${p.first_name} ${p.last_name}`]));
  const items: CompanySoftware[] = page.map((r) => ({
    id: r.id,
    software: { clientId: r.client_id, name: r.name },
    via: { id: r.space_id, name: people.get(r.space_id) ?? "" },
    since: r.created_at,
    lastUsedAt: r.last_used_at,
    scopes: r.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    cutOff: r.blocked_at ? { at: r.blocked_at, by: people.get(r.blocked_by ?? "") ?? "" } : null,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null };
}

/** A company's administrator cuts a software acting through a person off for the company: 404 on its next call. */
export async function cutOffForCompany(deps: { db: Executor; clock: Clock }, spaceId: string, siren: string, id: string) {
  await assertManager(deps, spaceId, siren);
  const now = deps.clock.now();
  const grant = await deps.db.selectFrom("software_grants").select(["client_id", "space_id"]).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
  if (!grant || (await liveRightsIn(deps.db, grant.space_id, now, [siren])).length === 0) throw notFound("accès logiciel");
  await deps.db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto("software_company_blocks")
      .values({ siren, client_id: grant.client_id, space_id: grant.space_id, blocked_by: spaceId, blocked_at: now })
      .onConflict((oc) => oc.doNothing())
      .returning("siren")
      .executeTakeFirst();
    if (inserted) {
      await appendJournal(tx, now, {
        actor: { kind: "person", id: spaceId },
        action: "software.cut_off",
        subject: { type: "company", id: siren },
        data: { clientId: grant.client_id, via: grant.space_id, grantId: id },
      });
    }
  });
}
