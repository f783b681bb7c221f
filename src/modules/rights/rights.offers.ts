/** The offers made to a person and by her (« habilitations »), listed a page at a time. */
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import * as repo from "./rights.repository.js";
import { type RightsDeps } from "./rights.service.js";

export type DelegationView = {
  id: string;
  siren: string;
  companyName: string;
  direction: "received" | "given";
  from: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  to: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  role: "deputy" | "delegate";
  services: string[];
  taxScope: string[] | null;
  validUntil: Date | null;
  status: string;
  /** suspended when the rights it created are « en veille ». */
  rightsState: "active" | "suspended" | "revoked" | null;
  createdAt: Date;
  expiresAt: Date;
};

/** Offers made to me and by me (« habilitations »), a page at a time, newest first. */
export async function listDelegations(
  deps: RightsDeps,
  spaceId: string,
  options: { direction?: "received" | "given" | undefined; pending?: boolean | undefined; limit: number; cursor?: string | undefined } = { limit: 100 },
): Promise<{ items: DelegationView[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeKeyset(options.cursor) : undefined;
  const rows = await repo.offersOf(deps.db, spaceId, { direction: options.direction, pending: options.pending, limit: options.limit + 1, after });
  const offers = rows.slice(0, options.limit);
  const people = new Map((await getSpaces(deps.db, [...new Set(offers.flatMap((o) => [o.from_space_id, o.to_space_id]))])).map((p) => [p.id, p]));
  const companies = await getCompanies(deps.db, [...new Set(offers.map((o) => o.siren))]);
  const rights = await repo.rightsOfOffers(
    deps.db,
    offers.filter((o) => o.status === "accepted").map((o) => o.id),
  );
  const person = (id: string) => {
    const p = people.get(id);
    return { spaceId: id, firstName: p?.first_name ?? "", lastName: p?.last_name ?? "", connectionEmail: p?.connection_email ?? "" };
  };
  const items = offers.map((o) => {
    const mine = rights.filter((r) => r.offer_id === o.id);
    const rightsState: DelegationView["rightsState"] =
      mine.length === 0 ? null : mine.some((r) => r.state === "active") ? "active" : mine.some((r) => r.state === "suspended") ? "suspended" : "revoked";
    return {
      id: o.id,
      siren: o.siren,
      companyName: companies.get(o.siren)?.name ?? o.siren,
      direction: o.to_space_id === spaceId ? ("received" as const) : ("given" as const),
      from: person(o.from_space_id),
      to: person(o.to_space_id),
      role: o.role,
      services: o.services,
      taxScope: o.tax_scope,
      validUntil: o.valid_until,
      status: o.status === "offered" && o.expires_at <= deps.clock.now() ? "expired" : o.status,
      rightsState,
      createdAt: o.created_at,
      expiresAt: o.expires_at,
    };
  });
  const last = offers[offers.length - 1];
  return { items, nextCursor: rows.length > options.limit && last ? encodeKeyset(last.created_at, last.id) : null };
}
