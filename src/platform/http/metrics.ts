import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The process's Prometheus metrics (prom-client): HTTP latency by route template, and whatever gauges the
 * application adds (pool, outbox, letters, event streams). One registry per server, so that tests and several
 * servers in one process do not mix their figures.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "mp_" });
  const http = new Histogram({
    name: "mp_http_request_duration_seconds",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failedSignIns = new Counter({
    name: "mp_sign_in_failures_total",
    help: "Sign-ins refused (people and agents)",
    labelNames: ["side"],
    registers: [registry],
  });
  return {
    registry,
    /** A gauge read when Prometheus scrapes (`read` may query the database). */
    gauge(name: string, help: string, read: () => Promise<number | Record<string, number>> | number | Record<string, number>, label?: string) {
      new Gauge({
        name,
        help,
        labelNames: label ? [label] : [],
        registers: [registry],
        async collect() {
          const value = await read();
          if (typeof value === "number") this.set(value);
          else for (const [k, v] of Object.entries(value)) this.set({ [label!]: k }, v);
        },
      });
    },
    /** Observes every answer of the server (its route template, never the path with its ids). */
    observe(app: FastifyInstance) {
      app.addHook("onResponse", async (request, reply) => {
        const route = request.routeOptions.url ?? "unmatched";
        http.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
        if (
          reply.statusCode === 401 &&
          request.method === "POST" &&
          (route === "/api/v1/session" || route === "/api/v1/session/device" || route === "/api/v1/backoffice/session")
        ) {
          failedSignIns.inc({ side: route.startsWith("/api/v1/backoffice") ? "agent" : "person" });
        }
      });
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Whether a scrape presents the metrics token (compared in constant time). */
export function presentsToken(authorization: string | undefined, token: string): boolean {
  const given = Buffer.from(authorization?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
