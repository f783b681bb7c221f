import { SERVICE_CODES, type ServiceCode } from "../adhesions/index.js";

/** A right as its holder sees it. */
export type MyRight = { service: string; role: string; taxScope: string[] | null; state: string; validUntil: Date | null };

type RightRow = { service: string; role: string; tax_scope: string[] | null; state: string; valid_until: Date | null };

/** A person's rights on one company, in catalogue order. */
export function sortRights(rows: RightRow[]): MyRight[] {
  return [...rows]
    .sort((a, b) => SERVICE_CODES.indexOf(a.service as ServiceCode) - SERVICE_CODES.indexOf(b.service as ServiceCode))
    .map((r) => ({ service: r.service, role: r.role, taxScope: r.tax_scope, state: r.state, validUntil: r.valid_until }));
}
