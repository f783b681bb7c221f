import { createHmac } from "node:crypto";
import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { Row } from "../../platform/db/schema.js";
import type { ClientMetadata } from "oidc-provider";

/** The scopes a software may ask for (product §15), in the order the consent page names them. */
export const SCOPES = ["companies.read", "messagerie.read", "messagerie.write"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A confidential client's secret, derived from the configured OAuth key and the client's salt: never stored, so
 * neither the database nor the configuration alone gives it away; a new salt gives a new secret.
 */
export function clientSecret(oauthKey: string, clientId: string, salt: string): string {
  return createHmac("sha256", oauthKey).update(`software-secret\n${clientId}\n${salt}`).digest("base64url");
}

export async function softwareById(db: Executor, clientId: string): Promise<Row<"software"> | undefined> {
  return db.selectFrom("software").selectAll().where("client_id", "=", clientId).executeTakeFirst();
}

/** The client metadata oidc-provider reads for an enabled software (a disabled one is unknown: `invalid_client`). */
export async function clientMetadata(db: Executor, clientId: string, oauthKey: string): Promise<ClientMetadata | undefined> {
  const row = await softwareById(db, clientId);
  if (!row || row.disabled_at) return undefined;
  return {
    client_id: row.client_id,
    client_name: row.name,
    redirect_uris: row.redirect_uris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    application_type: "web" as const,
    // The server signs with its EC key alone (no ID token is issued: no `openid` scope).
    id_token_signed_response_alg: "ES256",
    ...(row.public || !row.secret_salt
      ? { token_endpoint_auth_method: "none" }
      : { token_endpoint_auth_method: "client_secret_basic", client_secret: clientSecret(oauthKey, row.client_id, row.secret_salt) }),
  };
}

/**
 * One call's view of an access token, in one round trip: the stored token (for the provider to validate), its grant,
 * its software, and whether some company cut it off (the companies themselves are probed where rights are read).
 */
export async function accessTokenForCall(db: Executor, tokenKey: string) {
  const row = await sql<{
    payload: Record<string, unknown>;
    consumed_at: Date | null;
    artifact_expires_at: Date | null;
    grant_id: string | null;
    client_id: string;
    space_id: string;
    scopes: string[];
    all_companies: boolean;
    expires_at: Date;
    revoked_at: Date | null;
    name: string;
    disabled_at: Date | null;
    cut_off: boolean | null;
  }>`
    SELECT a.payload, a.consumed_at, a.expires_at AS artifact_expires_at,
           g.grant_id, g.client_id, g.space_id, g.scopes, g.all_companies, g.expires_at, g.revoked_at, s.name, s.disabled_at,
           EXISTS (SELECT 1 FROM software_company_blocks b WHERE b.client_id = g.client_id AND b.space_id = g.space_id) AS cut_off
    FROM oauth_artifacts a
    LEFT JOIN software_grants g ON g.grant_id = a.grant_id
    LEFT JOIN software s ON s.client_id = g.client_id
    WHERE a.model = 'AccessToken' AND a.id = ${tokenKey}`.execute(db);
  return row.rows[0];
}
