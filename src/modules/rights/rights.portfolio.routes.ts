import { Readable } from "node:stream";
import { z } from "zod";
import type { RoutesApp } from "../../platform/http/routes.js";
import { requirePerson } from "../../platform/http/auth.js";
import { fileReply } from "../../platform/http/openapi.js";
import { parisDay } from "../../platform/paris.js";
import { errorReply } from "../spaces/index.js";
import { SERVICE_CODES } from "../adhesions/index.js";
import type { RightsDeps } from "./rights.service.js";
import type { MyRight } from "./rights.views.js";
import { pagePortfolio, portfolioTotals, PORTFOLIO_SORTS, type PortfolioItem } from "./rights.portfolio.js";
import { portfolioCsv } from "./rights.selection.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `true`/`false` in a query string. */
const booleanFlag = z.enum(["true", "false"]).transform((v) => v === "true");

/**
 * The filters of « Mes entreprises », shared by the table, its CSV and the bulk delegation to « the selection »
 * (in a JSON body, `hasUnread` and `pendingAdhesion` are booleans).
 */
export const portfolioFilterSchema = {
  /** A SIREN prefix, or words of the name (each the start of a word; accents and case ignored). */
  q: z.string().max(200).optional(),
  /** Only the companies where I hold this service. */
  service: z.enum(SERVICE_CODES).optional(),
  /** Only the companies where I hold this role. */
  role: z.enum(["administrator", "deputy", "delegate"]).optional(),
  /** Only the companies with unread messages of the administration. */
  hasUnread: z.boolean().optional(),
  /** Only the companies where one of my adhesions is pending (letter not yet activated). */
  pendingAdhesion: z.boolean().optional(),
};

const filterQuery = {
  ...portfolioFilterSchema,
  hasUnread: booleanFlag.optional(),
  pendingAdhesion: booleanFlag.optional(),
  /** The order: name, SIREN, last activity (latest first), unread messages or open requests (most first). */
  sort: z.enum(PORTFOLIO_SORTS).default("name"),
};

const myRightsSchema = z.array(
  z.object({ service: z.string(), role: z.string(), taxScope: z.array(z.string()).nullable(), state: z.string(), validUntil: z.string().nullable() }),
);
const portfolioItemSchema = z.object({
  siren: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  companyEmail: z.string().nullable(),
  /** My live rights on the company (also as `myRights`, the name of the first version of this route). */
  rights: myRightsSchema,
  myRights: myRightsSchema,
  /** Messages of the administration not yet read, in the taxes my messagerie covers. */
  unreadCount: z.number().int(),
  /** Requests not closed, in the taxes my messagerie covers. */
  openRequests: z.number().int(),
  lastActivityAt: z.string().nullable(),
  /** My adhesions to the company still waiting for their letter's code. */
  pendingAdhesions: z.number().int(),
});
const rightsJson = (rights: MyRight[]) => rights.map((r) => ({ ...r, validUntil: iso(r.validUntil) }));
const portfolioJson = (c: PortfolioItem) => {
  const rights = rightsJson(c.rights);
  return { ...c, rights, myRights: rights, lastActivityAt: iso(c.lastActivityAt) };
};

/** « Mes entreprises » (product §14, §19): the table, its CSV and the page header's totals. */
export function portfolioRoutes(app: RoutesApp, deps: RightsDeps) {
  app.get(
    "/api/v1/companies",
    {
      schema: {
        tags: ["companies"],
        summary: "My companies (« mes entreprises »): searched, filtered, sorted, with unread and open requests (keyset pagination)",
        security: [{ session: [] }, { oauth2: ["companies.read"] }],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          /** The `nextCursor` of the previous page (opaque; bound to the sort). */
          cursor: z.string().max(800).optional(),
          ...filterQuery,
        }),
        response: { 200: z.object({ items: z.array(portfolioItemSchema), nextCursor: z.string().nullable(), total: z.number().int() }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const { limit, cursor, sort, ...filters } = req.query;
      const page = await pagePortfolio(deps.db, requirePerson(req).subjectId, deps.clock.now(), { filters, sort, limit, cursor });
      return { ...page, items: page.items.map(portfolioJson) };
    },
  );

  app.get(
    "/api/v1/companies.csv",
    {
      schema: {
        tags: ["companies"],
        summary: "My companies matching the filters of GET /companies, every one (not a page), as a CSV for French spreadsheets",
        description: "Semicolons, UTF-8 with a BOM, in the order asked; the file is written as the companies are read.",
        security: [{ session: [] }],
        querystring: z.object(filterQuery),
        response: { 200: fileReply("Mes entreprises, une par ligne", "text/csv"), ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      const { sort, ...filters } = req.query;
      const now = deps.clock.now();
      const csv = portfolioCsv(deps.db, requirePerson(req).subjectId, now, filters, sort);
      // The header line and the first page are read before answering: a failure there is a coded error, not a cut file.
      const first = [await csv.next(), await csv.next()].flatMap((r) => (r.done ? [] : [r.value]));
      async function* whole() {
        yield* first;
        yield* csv;
      }
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="mes-entreprises-${parisDay(now)}.csv"`)
        .send(Readable.from(whole()));
    },
  );

  app.get(
    "/api/v1/companies/summary",
    {
      schema: {
        tags: ["companies"],
        summary: "How many companies I act for and how many messages of the administration I have not read (the page header)",
        security: [{ session: [] }],
        response: { 200: z.object({ companies: z.number().int(), unread: z.number().int() }), ...errors(401) },
      },
    },
    async (req) => {
      const totals = await portfolioTotals(deps.db, requirePerson(req).subjectId, deps.clock.now());
      return { companies: totals.companies, unread: totals.unread };
    },
  );
}
