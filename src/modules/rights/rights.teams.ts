/**
 * Team rights (product §19): a firm's team grant materialised as ordinary rights, one per active member, company
 * and service, each granted from the team owner's administrator right on the company. Being ordinary rights, they
 * follow every rule of §7 (tax scope, expiry, the cascade from the owner's right, suspension). Written and revoked
 * set-based: one statement for a whole team, whatever its number of companies and members.
 */
import { sql } from "kysely";
import type { Executor, Tx } from "../../platform/db/database.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { companyEmailsOf, orderedServices, serviceLabel } from "../adhesions/index.js";
import { queueMails, teamRightMail } from "../mail/index.js";
import * as repo from "./rights.repository.js";
import { decideGrant } from "./rights.policy.js";
import { held, type RightsDeps } from "./rights.service.js";

/** The grant of a team: what each active member gets on each company of the team. */
export type TeamGrant = {
  teamId: string;
  /** The team's owner: the rights come from hers. */
  grantorId: string;
  role: "deputy" | "delegate";
  services: string[];
  /** Only with `messagerie`: the taxes it covers; null for all. */
  taxScope: string[] | null;
};

/** Whether the owner may pass the team's grant on for one company, and from which of her rights. */
export type TeamCompanyDecision =
  { siren: string; ok: true; from: Record<string, string>; validUntil: Date | null } | { siren: string; ok: false; code: string; message: string };

/**
 * Decides, for each company, whether the owner may give the team's grant there: only from her own live
 * *administrator* rights (a deputy's right would chain the team to someone else's), with every rule of
 * `decideGrant` (services held, tax scope no wider, nothing outliving her right). In a transaction, her rights
 * read are locked (shared) until it ends, so a revocation cannot slip between the decision and the rights written.
 */
export async function decideTeamCompanies(db: Executor | Tx, grant: TeamGrant, sirens: string[], at: Date): Promise<TeamCompanyDecision[]> {
  if (sirens.length === 0) return [];
  const rows = await db
    .selectFrom("rights")
    .select(["id", "siren", "service", "role", "tax_scope", "state", "valid_from", "valid_until", "adhesion_id", "granted_by_space"])
    .where("space_id", "=", grant.grantorId)
    .where("siren", "in", sirens)
    .where("role", "=", "administrator")
    .where("state", "<>", "revoked")
    .forShare()
    .execute();
  const bySiren = new Map<string, typeof rows>();
  for (const r of rows) bySiren.set(r.siren, [...(bySiren.get(r.siren) ?? []), r]);
  return sirens.map((siren): TeamCompanyDecision => {
    const decision = decideGrant(
      held(bySiren.get(siren) ?? []),
      { role: grant.role, services: grant.services, taxScope: grant.taxScope, validUntil: null, isSelf: false, targetHolds: [] },
      at,
    );
    if (decision.ok) return { siren, ok: true, from: decision.from, validUntil: decision.validUntil };
    // A company she does not administer reads the same whether it exists or not (nothing leaks).
    if (decision.kind === "not_found")
      return { siren, ok: false, code: "not_administered", message: "Vous n'administrez pas cette entreprise : vous ne pouvez pas la confier à une équipe." };
    return { siren, ok: false, code: decision.code, message: decision.message };
  });
}

/**
 * Writes the team's rights for these members on these companies (the accepted decisions) in one statement; a
 * member never gets a team right twice, and the owner never gets one (she holds them already). Answers the
 * (person, company) pairs that got rights.
 */
export async function grantTeamRights(
  tx: Tx,
  grant: TeamGrant,
  decisions: Extract<TeamCompanyDecision, { ok: true }>[],
  members: string[],
  at: Date,
): Promise<{ spaceId: string; siren: string }[]> {
  const lines = decisions.flatMap((d) =>
    Object.entries(d.from).map(([service, from]) => ({ siren: d.siren, service, from, until: d.validUntil?.toISOString() ?? null })),
  );
  if (lines.length === 0 || members.length === 0) return [];
  const taxScope = grant.taxScope ? JSON.stringify(grant.taxScope) : null;
  const res = await sql<{ space_id: string; siren: string }>`
    INSERT INTO rights (id, space_id, siren, service, role, tax_scope, state, valid_from, valid_until, adhesion_id, granted_by_right,
                        granted_by_space, created_at, revoked_at, offer_id, suspended_by, team_id)
    SELECT gen_random_uuid(), m.space_id, g.siren, g.service, ${grant.role}, CASE WHEN g.service = 'messagerie' THEN ${taxScope}::jsonb END,
           'active', ${at}::timestamptz, g.valid_until, NULL, g.from_right, ${grant.grantorId}::uuid, ${at}::timestamptz, NULL, NULL, NULL,
           ${grant.teamId}::uuid
      FROM unnest(${lines.map((l) => l.siren)}::text[], ${lines.map((l) => l.service)}::text[], ${lines.map((l) => l.from)}::uuid[],
                  ${lines.map((l) => l.until)}::timestamptz[]) AS g (siren, service, from_right, valid_until)
     CROSS JOIN unnest(${members}::uuid[]) AS m (space_id)
     WHERE m.space_id <> ${grant.grantorId}::uuid
       AND NOT EXISTS (SELECT 1 FROM rights x
                        WHERE x.team_id = ${grant.teamId}::uuid AND x.space_id = m.space_id AND x.siren = g.siren AND x.service = g.service
                          AND x.state <> 'revoked')
    RETURNING space_id, siren`.execute(tx);
  const seen = new Set<string>();
  return res.rows.flatMap((r) => {
    const key = `${r.space_id}:${r.siren}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ spaceId: r.space_id, siren: r.siren }];
  });
}

/**
 * Revokes a team's rights, for one member or one company (or the whole team), and every right granted from them:
 * they stop on the very next request. Answers how many rights fell and the companies they were on.
 */
export async function revokeTeamRights(
  tx: Tx,
  teamId: string,
  which: { spaceId?: string; siren?: string },
  at: Date,
): Promise<{ revoked: number; sirens: string[] }> {
  let q = tx.selectFrom("rights").select(["id", "siren"]).where("team_id", "=", teamId).where("state", "<>", "revoked");
  if (which.spaceId) q = q.where("space_id", "=", which.spaceId);
  if (which.siren) q = q.where("siren", "=", which.siren);
  const rows = await q.execute();
  const revoked = await repo.revokeWithDescendants(
    tx,
    rows.map((r) => r.id),
    at,
  );
  return { revoked, sirens: [...new Set(rows.map((r) => r.siren))] };
}

/**
 * Tells each company's e-mail address who got the team's grant on it (product §7): one mail per company, naming
 * every person of this change; companies without an address get none.
 */
export async function notifyTeamRights(
  tx: Tx,
  at: Date,
  p: { grant: TeamGrant; teamLabel: string; granted: { spaceId: string; siren: string }[]; validUntil: Map<string, Date | null> },
): Promise<number> {
  const sirens = [...new Set(p.granted.map((g) => g.siren))];
  if (sirens.length === 0) return 0;
  const emails = await companyEmailsOf(tx, sirens);
  const companies = await getCompanies(tx, sirens);
  const people = new Map((await getSpaces(tx, [...new Set([...p.granted.map((g) => g.spaceId), p.grant.grantorId])])).map((s) => [s.id, s]));
  const grantor = people.get(p.grant.grantorId);
  const services = orderedServices(p.grant.services).map(serviceLabel);
  const mails = sirens.flatMap((siren) => {
    const to = emails.get(siren);
    if (!to) return [];
    const names = p.granted
      .filter((g) => g.siren === siren)
      .map((g) => people.get(g.spaceId))
      .flatMap((s) => (s ? [`${s.first_name} ${s.last_name} (${s.connection_email})`] : []));
    return [
      teamRightMail({
        to,
        companyName: companies.get(siren)?.name ?? siren,
        siren,
        people: names,
        team: p.teamLabel,
        role: p.grant.role,
        services,
        taxScope: p.grant.services.includes("messagerie") ? p.grant.taxScope : null,
        grantedBy: grantor ? `${grantor.first_name} ${grantor.last_name} (${grantor.connection_email})` : null,
        validUntil: p.validUntil.get(siren) ?? null,
      }),
    ];
  });
  await queueMails(tx, at, mails);
  return mails.length;
}

/** Whether the person holds a live administrator right on the company (any service): her own entity, for teams. */
export function administers(db: Executor | Tx, spaceId: string, siren: string, at: Date): Promise<boolean> {
  return repo.holdsRole(db, spaceId, siren, undefined, "administrator", at);
}

/** The names a right's team reads as in « qui agit pour mon entreprise »: supplied by the teams module. */
export type TeamNamesPort = NonNullable<RightsDeps["teamNames"]>;
