import type { Kysely } from "kysely";
import type { DB, Row } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import { lettersOfAdhesions } from "../letters/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import { type Quality } from "./adhesions.catalogue.js";

import { ADHESION_RULES, type AdhesionsDeps } from "./adhesions.service.js";

/** An adhesion as its requester sees it, with the letters sent for it. */
export type AdhesionView = {
  id: string;
  siren: string;
  companyName: string;
  origin: "simplified" | "expert";
  quality: Quality;
  services: string[];
  declaredCompanyEmail: string | null;
  status: Row<"adhesions">["status"];
  createdAt: Date;
  letterIssuedAt: Date | null;
  /** When the activation letter was issued for posting (its edition date; the code's 60 days run from it). */
  letterSentAt: Date | null;
  codeExpiresAt: Date | null;
  attemptsLeft: number | null;
  activatedAt: Date | null;
  endedAt: Date | null;
  letters: { number: string; status: string; editedAt: Date; postedAt: Date | null }[];
};

/** The views of adhesions; `letters` when the caller already read them (else read here, in one query). */
export async function toView(
  deps: Pick<AdhesionsDeps, "db">,
  rows: Row<"adhesions">[],
  letters?: Awaited<ReturnType<typeof lettersOfAdhesions>>,
): Promise<AdhesionView[]> {
  const [companies, lettersOf] = await Promise.all([
    getCompanies(deps.db, [...new Set(rows.map((r) => r.siren))]),
    letters ??
      lettersOfAdhesions(
        deps.db,
        rows.map((r) => r.id),
      ),
  ]);
  return rows.map((r) => ({
    id: r.id,
    siren: r.siren,
    companyName: companies.get(r.siren)?.name ?? r.siren,
    origin: r.origin,
    quality: r.quality,
    services: r.services,
    declaredCompanyEmail: r.declared_email,
    status: r.status,
    createdAt: r.created_at,
    letterIssuedAt: r.letter_issued_at,
    letterSentAt: r.letter_issued_at,
    codeExpiresAt: r.code_expires_at,
    attemptsLeft: r.status === "letter_issued" ? ADHESION_RULES.maxCodeAttempts - r.code_attempts : null,
    activatedAt: r.activated_at,
    endedAt: r.ended_at,
    letters: (lettersOf.get(r.id) ?? []).map((l) => ({ number: l.number, status: l.status, editedAt: l.edited_at, postedAt: l.posted_at })),
  }));
}

/**
 * A page of the person's adhesions, newest first — or, waiting for their letter's code (`letter_issued`), soonest
 * expiry first; `total` counts them all (for the filter asked).
 */
export async function listAdhesions(
  deps: Pick<AdhesionsDeps, "db">,
  spaceId: string,
  options: { status?: repo.AdhesionListStatus | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: AdhesionView[]; nextCursor: string | null; total: number }> {
  const after = options.cursor ? decodeKeyset(options.cursor) : undefined;
  const [rows, total] = await Promise.all([
    repo.listAdhesionsOf(deps.db, spaceId, { status: options.status, limit: options.limit + 1, after }),
    repo.countAdhesionsOf(deps.db, spaceId, options.status),
  ]);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    items: await toView(deps, page),
    nextCursor: rows.length > options.limit && last ? encodeKeyset(options.status === "letter_issued" ? last.code_expires_at : last.created_at, last.id) : null,
    total,
  };
}

/** One of the person's adhesions; another person's answers 404. */
export async function getAdhesion(deps: Pick<AdhesionsDeps, "db">, spaceId: string, id: string): Promise<AdhesionView> {
  const row = await repo.findAdhesion(deps.db, id);
  if (!row || row.space_id !== spaceId) throw errors.adhesionNotFound();
  return (await toView(deps, [row]))[0]!;
}

/** The quality declared on some adhesions (who is the legal representative among administrators). */
export async function adhesionQualities(db: Kysely<DB> | Tx, ids: string[]): Promise<Map<string, Quality>> {
  return new Map((await repo.findQualities(db, ids)).map((a) => [a.id, a.quality]));
}
