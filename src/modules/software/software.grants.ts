import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DomainError, notFound } from "../../platform/errors.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { appendJournal } from "../journal/index.js";
import { getSpaces } from "../spaces/index.js";
import { getCompanies } from "../companies/index.js";
import { liveRight, liveRightsIn, managesCompany } from "../rights/index.js";
import { SOFTWARE_SCOPE_LABELS } from "../../shared/labels.js";
import { SCOPES, type Scope } from "./software.repository.js";
import type { SoftwareDeps } from "./software.service.js";

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
  const rows = await q
    .orderBy("g.created_at", "desc")
    .orderBy("g.id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const chosen = page.filter((r) => !r.all_companies).map((r) => r.grant_id);
  const companies = chosen.length
    ? await deps.db.selectFrom("software_grant_companies").select(["grant_id", "siren"]).where("grant_id", "in", chosen).orderBy("siren").execute()
    : [];
  const names = await getCompanies(deps.db, [...new Set(companies.map((c) => c.siren))]);
  const items: AuthorizedSoftware[] = page.map((r) => ({
    grantId: r.id,
    software: { clientId: r.client_id, name: r.name },
    scopes: r.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)).map((code) => ({ code, label: SOFTWARE_SCOPE_LABELS[code] })),
    companies: r.all_companies
      ? "all"
      : companies.filter((c) => c.grant_id === r.grant_id).map((c) => ({ siren: c.siren, name: names.get(c.siren)?.name ?? c.siren })),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null };
}

/** Revokes a grant of the person: its tokens stop on the next call (the authorization server forgets them). */
export async function revokeAuthorizedSoftware(deps: SoftwareDeps, spaceId: string, id: string): Promise<void> {
  const row = await deps.db
    .selectFrom("software_grants")
    .select(["grant_id", "client_id", "revoked_at"])
    .where("id", "=", id)
    .where("space_id", "=", spaceId)
    .executeTakeFirst();
  if (!row || row.revoked_at) throw notFound("autorisation");
  await revokeGrant(deps, row.grant_id, "person", { kind: "person", id: spaceId });
}

/** Marks a grant revoked and removes its tokens (idempotent: the authorization server may have done its part). */
export async function revokeGrant(
  deps: { db: Executor; clock: Clock },
  grantId: string,
  why: "person" | "software" | "refresh_reuse",
  actor: { kind: "person"; id: string } | { kind: "system" },
) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable("software_grants")
      .set({ revoked_at: now, revoked_why: why })
      .where("grant_id", "=", grantId)
      .where("revoked_at", "is", null)
      .returning(["id", "client_id", "space_id"])
      .executeTakeFirst();
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
    throw new DomainError(
      "forbidden",
      "not_company_manager",
      "Seuls les administrateurs et leurs suppléants voient les logiciels qui agissent pour l'entreprise.",
    );
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
  const rows = await sql<{
    id: string;
    client_id: string;
    name: string;
    space_id: string;
    created_at: Date;
    last_used_at: Date | null;
    scopes: string[];
    blocked_at: Date | null;
    blocked_by: string | null;
  }>`
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
  const people = new Map(
    (await getSpaces(deps.db, [...new Set(page.flatMap((r) => [r.space_id, ...(r.blocked_by ? [r.blocked_by] : [])]))])).map((p) => [
      p.id,
      `${p.first_name} ${p.last_name}`,
    ]),
  );
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
  const grant = await deps.db
    .selectFrom("software_grants")
    .select(["client_id", "space_id"])
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
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
