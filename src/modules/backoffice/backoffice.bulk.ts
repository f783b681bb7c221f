import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { DomainError } from "../../platform/errors.js";
import { closeByAgent, transferRequest } from "../requests/index.js";
import * as bo from "./backoffice.service.js";
import { errors } from "./backoffice.schemas.js";

const bulkBody = z
  .object({
    action: z.enum(["assign", "close", "transfer"], { error: "Action : attribuer, clôturer ou transférer" }),
    items: z
      .array(z.object({ id: z.uuid({ error: "identifiant invalide" }), version: z.number().int().min(1) }))
      .min(1, "Sélectionnez au moins une demande")
      .max(100, "100 demandes au plus à la fois"),
    /** assign: the agent (null: no one). */
    agentId: z.uuid({ error: "Agent : identifiant invalide" }).nullable().optional(),
    /** transfer: the service. */
    serviceCode: z.string().min(1).max(32).optional(),
    /** transfer: required; close: the reason the company reads when nothing was answered. */
    reason: z.string().max(1000, "Motif : 1000 caractères au plus").optional(),
  })
  .superRefine((b, ctx) => {
    if (b.action === "assign" && b.agentId === undefined) ctx.addIssue({ code: "custom", path: ["agentId"], message: "Agent : choisissez à qui attribuer" });
    if (b.action === "transfer" && !b.serviceCode)
      ctx.addIssue({ code: "custom", path: ["serviceCode"], message: "Service : choisissez le service destinataire" });
    if (b.action === "transfer" && !b.reason?.trim()) ctx.addIssue({ code: "custom", path: ["reason"], message: "Motif : le motif du transfert est vide" });
  });

const result = z.object({
  id: z.uuid(),
  status: z.enum(["done", "refused"]),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * Bulk actions on the queue's selected rows (issue 24): each item goes through the single-request use case with its
 * own version check and transaction, and gets its own result; a refused item (stale, of another service, closed)
 * never stops the others.
 */
export function bulkRoutes(deps: bo.BackofficeDeps): FastifyPluginAsyncZod {
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async functions
  return async (app) => {
    app.post(
      "/api/v1/backoffice/requests/bulk",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Assign, close or transfer several requests, each with its version; one result per request",
          security: [{ agentSession: [], csrf: [] }],
          body: bulkBody,
          response: { 200: z.object({ items: z.array(result) }), ...errors(400, 401) },
        },
      },
      async (req) => {
        const agent = await bo.scopeOf(deps, requireAgent(req));
        const b = req.body;
        const items: z.infer<typeof result>[] = [];
        for (const { id, version } of b.items) {
          try {
            if (b.action === "assign") await bo.assign(deps, agent, id, { agentId: b.agentId ?? null, version });
            else if (b.action === "close") await closeByAgent(deps.requests, agent, id, version, b.reason?.trim() || undefined);
            else await transferRequest(deps.requests, agent, id, { serviceCode: b.serviceCode!, reason: b.reason!.trim(), version });
            items.push({ id, status: "done" });
          } catch (e) {
            if (!(e instanceof DomainError)) throw e;
            items.push({ id, status: "refused", error: { code: e.code, message: e.message } });
          }
        }
        return { items };
      },
    );

    app.get(
      "/api/v1/backoffice/requests/bulk/options",
      {
        schema: {
          tags: ["backoffice"],
          summary: "What the bulk actions choose from: the agents of my services (with theirs) and the services a request may be transferred to",
          security: [{ agentSession: [] }],
          response: {
            200: z.object({
              colleagues: z.array(z.object({ id: z.uuid(), name: z.string(), services: z.array(z.string()) })),
              transferTargets: z.array(z.object({ code: z.string(), name: z.string(), type: z.string() })),
            }),
            ...errors(401),
          },
        },
      },
      async (req) => {
        const agent = await bo.scopeOf(deps, requireAgent(req));
        return bo.bulkOptions(deps, agent);
      },
    );
  };
}
