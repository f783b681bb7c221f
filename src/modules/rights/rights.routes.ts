import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requirePerson } from "../../platform/http/auth.js";
import { errorReply, sirenField } from "../spaces/index.js";
import { companyEmailOf } from "../adhesions/index.js";
import * as service from "./rights.service.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));

const companySchema = z.object({
  siren: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  companyEmail: z.string().nullable(),
  myRights: z.array(z.object({ service: z.string(), role: z.string(), taxScope: z.array(z.string()).nullable(), state: z.string(), validUntil: z.string().nullable() })),
});

const toJson = (c: service.MyCompany) => ({ ...c, myRights: c.myRights.map((r) => ({ ...r, validUntil: r.validUntil ? r.validUntil.toISOString() : null })) });

/** « Mes entreprises »: the companies where the person holds a right (api.md). */
export function rightsRoutes(deps: service.RightsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/companies",
      {
        schema: {
          tags: ["companies"],
          summary: "Companies where I hold a right, with my rights",
          security: [{ session: [] }],
          response: { 200: z.object({ items: z.array(companySchema) }), ...errors(401) },
        },
      },
      async (req) => ({ items: (await service.listMyCompanies(deps, requirePerson(req).subjectId)).map(toJson) }),
    );
    app.get(
      "/api/v1/companies/:siren",
      {
        schema: {
          tags: ["companies"],
          summary: "One of my companies",
          security: [{ session: [] }],
          params: z.object({ siren: sirenField }),
          response: { 200: companySchema.extend({ pendingCompanyEmail: z.string().nullable() }), ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const company = await service.getMyCompany(deps, requirePerson(req).subjectId, req.params.siren);
        const email = await companyEmailOf(deps, req.params.siren);
        return { ...toJson(company), pendingCompanyEmail: email.pendingEmail };
      },
    );
  };
}
