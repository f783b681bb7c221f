import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { DomainError } from "../../platform/errors.js";
import * as bo from "./backoffice.service.js";
import { errors, idParams, text } from "./backoffice.schemas.js";

/** How many views an agent keeps (a menu, not an archive). */
const MAX_VIEWS = 50;
/** What a view may hold: the queue's filters and sort, as its address writes them. */
const QUEUE_KEYS = new Set(["service", "status", "tax", "nature", "assignee", "overdue", "dueSoon", "q", "origin", "sort", "order"]);

const viewSchema = z.object({ id: z.uuid(), name: z.string(), query: z.string(), createdAt: instant });
const queryField = z
  .string()
  .max(1000, "Filtres : 1 000 caractères au plus")
  .refine((q) => [...new URLSearchParams(q).keys()].every((k) => QUEUE_KEYS.has(k)), "Filtres : seuls les filtres et le tri de la file s'enregistrent");

type ViewRow = { id: string; name: string; query: string; created_at: Date };
const view = (r: ViewRow) => ({ id: r.id, name: r.name, query: r.query, createdAt: r.created_at });

/** An agent's saved views of the queue (issue 24): his own only; another agent's view answers 404. */
export function viewsRoutes(deps: bo.BackofficeDeps): FastifyPluginAsyncZod {
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async functions
  return async (app) => {
    const agentId = async (req: Parameters<typeof requireAgent>[0]) => (await bo.scopeOf(deps, requireAgent(req))).id;

    app.get(
      "/api/v1/backoffice/views",
      {
        schema: {
          tags: ["backoffice"],
          summary: "My saved views of the queue, by name",
          security: [{ agentSession: [] }],
          response: { 200: z.object({ items: z.array(viewSchema) }), ...errors(401) },
        },
      },
      async (req) => {
        const id = await agentId(req);
        const rows = await sql<ViewRow>`SELECT id, name, query, created_at FROM agent_views WHERE agent_id = ${id} ORDER BY lower(name), id`.execute(deps.db);
        return { items: rows.rows.map(view) };
      },
    );

    app.post(
      "/api/v1/backoffice/views",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Saves the queue's current filters and sort under a name (mine only)",
          security: [{ agentSession: [], csrf: [] }],
          body: z.object({ name: text(80, "Le nom de la vue"), query: queryField }),
          response: { 201: viewSchema, ...errors(400, 401, 409, 422) },
        },
      },
      async (req, reply) => {
        const id = await agentId(req);
        const name = req.body.name.trim();
        const row = await deps.db.transaction().execute(async (tx) => {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`views:${id}`}))`.execute(tx);
          const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM agent_views WHERE agent_id = ${id}`.execute(tx)).rows[0]!.n;
          if (n >= MAX_VIEWS)
            throw new DomainError("refused", "too_many_views", `${MAX_VIEWS} vues au plus : supprimez-en une avant d'en enregistrer une autre.`);
          const taken = await sql`SELECT 1 FROM agent_views WHERE agent_id = ${id} AND lower(name) = lower(${name})`.execute(tx);
          if (taken.rows.length) throw new DomainError("conflict", "view_name_taken", "Nom de la vue : vous avez déjà une vue de ce nom.");
          return (
            await sql<ViewRow>`INSERT INTO agent_views (id, agent_id, name, query, created_at)
              VALUES (${randomUUID()}, ${id}, ${name}, ${req.body.query}, ${deps.clock.now()}) RETURNING id, name, query, created_at`.execute(tx)
          ).rows[0]!;
        });
        return reply.code(201).send(view(row));
      },
    );

    app.delete(
      "/api/v1/backoffice/views/:id",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Deletes one of my saved views (another agent's: 404)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          response: { 204: z.null(), ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const id = await agentId(req);
        const gone = await sql`DELETE FROM agent_views WHERE id = ${req.params.id} AND agent_id = ${id}`.execute(deps.db);
        if (!gone.numAffectedRows) throw new DomainError("not_found", "view_not_found", "Vue introuvable parmi les vôtres.");
        return reply.code(204).send(null);
      },
    );
  };
}
