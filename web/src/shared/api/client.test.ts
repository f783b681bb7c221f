// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { ApiError, client, ok, setAgentCsrfToken, setCsrfToken } from "./client";

/** A server in a function: records each request the client sends and answers `reply`. */
function server(reply: (request: Request) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = (input: Request) => {
    seen.push(input);
    return Promise.resolve(reply(input));
  };
  return { seen, fetch: fetch as unknown as typeof globalThis.fetch };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("the API client's middleware", () => {
  it("sends each session's CSRF token on state-changing calls only, the back office's under /backoffice/", async () => {
    setCsrfToken("jeton-personne");
    setAgentCsrfToken("jeton-agent");
    const s = server(() => new Response(null, { status: 204 }));
    await ok(client.POST("/api/v1/requests/{id}/close", { params: { path: { id: "r1" } }, fetch: s.fetch }));
    await ok(client.POST("/api/v1/backoffice/requests/{id}/assign", { params: { path: { id: "r1" } }, body: { agentId: null, version: 3 }, fetch: s.fetch }));
    await ok(client.GET("/api/v1/requests/{id}", { params: { path: { id: "r1" } }, fetch: s.fetch }));
    expect(s.seen.map((r) => [r.method, new URL(r.url).pathname, r.headers.get("X-CSRF-Token")])).toEqual([
      ["POST", "/api/v1/requests/r1/close", "jeton-personne"],
      ["POST", "/api/v1/backoffice/requests/r1/assign", "jeton-agent"],
      ["GET", "/api/v1/requests/r1", null],
    ]);
    expect(s.seen.every((r) => r.headers.get("Accept") === "application/json")).toBe(true);
  });

  it("throws the server's refusal as an ApiError: code, French sentence, request id, details", async () => {
    const s = server(() =>
      json(409, { error: { code: "request_closed", message: "Cette demande est clôturée.", requestId: "req-42", details: { reference: "MP-2026-000001" } } }),
    );
    const failure = await ok(client.POST("/api/v1/requests/{id}/close", { params: { path: { id: "r1" } }, fetch: s.fetch })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 409, code: "request_closed", message: "Cette demande est clôturée.", requestId: "req-42" });
    expect((failure as ApiError).details).toEqual({ reference: "MP-2026-000001" });
  });

  it("names a failure without a body by its status, and an unreachable server in French", async () => {
    const bare = server(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    await expect(ok(client.GET("/api/v1/catalogue", { fetch: bare.fetch }))).rejects.toMatchObject({
      status: 502,
      code: "unknown_error",
      message: "Erreur 502.",
    });
    const down = (() => Promise.reject(new TypeError("Failed to fetch"))) as unknown as typeof globalThis.fetch;
    await expect(ok(client.GET("/api/v1/catalogue", { fetch: down }))).rejects.toMatchObject({
      status: 0,
      code: "network_error",
      message: "Le service est injoignable. Vérifiez votre connexion puis réessayez.",
    });
  });

  it("leaves a cancelled call an AbortError (the query cache drops it silently)", async () => {
    const controller = new AbortController();
    // As a browser's fetch does when its signal fires (before or during the call).
    const aborted = () => new DOMException("aborted", "AbortError");
    const never = (() =>
      new Promise((_, reject) =>
        controller.signal.aborted ? reject(aborted()) : controller.signal.addEventListener("abort", () => reject(aborted())),
      )) as unknown as typeof globalThis.fetch;
    const call = ok(client.GET("/api/v1/catalogue", { fetch: never, signal: controller.signal }));
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
  });
});
