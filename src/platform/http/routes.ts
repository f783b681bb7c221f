import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

/** The Fastify instance a module declares its routes on (Zod schemas validate and write the OpenAPI document). */
export type RoutesApp = Parameters<FastifyPluginAsyncZod>[0];

/**
 * A plugin that only declares routes: nothing in it to await. Fastify's async plugin contract still wants a
 * promise, and a declaration that throws (a duplicated route) rejects it, exactly as the body of an `async`
 * function would; the routes are declared at once, not a tick later.
 */
export function routesPlugin(declare: (app: RoutesApp) => void): FastifyPluginAsyncZod {
  return (app) =>
    new Promise<void>((resolve) => {
      declare(app);
      resolve();
    });
}
