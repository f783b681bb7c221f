import { randomUUID } from "node:crypto";
import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import { liveRightsIn } from "../rights/index.js";
import { SOFTWARE_SCOPE_LABELS } from "../../shared/labels.js";
import { LIFETIMES, textOf } from "./software.provider.js";
import { SCOPES, softwareById } from "./software.repository.js";
import type { SoftwareDeps } from "./software.service.js";

// Consent ---------------------------------------------------------------------------------------------------

/**
 * The interaction `uid` names, if this browser started it (`browserUid`, from its interaction cookie): a consent
 * page opened from a link in another browser cannot be answered, so nobody can consent for someone else's request.
 */
async function interactionOf(deps: SoftwareDeps, uid: string, browserUid: string | undefined) {
  const interaction = /^[A-Za-z0-9_-]{10,64}$/.test(uid) ? await deps.server.provider.Interaction.find(uid) : undefined;
  if (!interaction || interaction.result)
    throw new DomainError("gone", "authorization_expired", "Cette demande d'autorisation a expiré ou a déjà été traitée : recommencez depuis le logiciel.");
  if (browserUid !== interaction.uid) {
    throw new DomainError(
      "forbidden",
      "authorization_other_browser",
      "Ce lien d'autorisation ne peut pas être utilisé dans ce navigateur : une autorisation se donne dans le navigateur où le logiciel l'a demandée. Recommencez la connexion depuis le logiciel.",
    );
  }
  const clientId = textOf(interaction.params.client_id);
  const software = await softwareById(deps.db, clientId);
  if (!software || software.disabled_at)
    throw new DomainError("gone", "authorization_expired", "Ce logiciel n'est plus autorisé à se connecter à la messagerie.");
  const requested = new Set(textOf(interaction.params.scope).split(" "));
  const scopes = SCOPES.filter((s) => requested.has(s));
  return { interaction, software, scopes };
}

/** What the consent page shows: the software, what it asks for in plain words. */
export async function describeInteraction(deps: SoftwareDeps, uid: string, browserUid: string | undefined) {
  const { interaction, software, scopes } = await interactionOf(deps, uid, browserUid);
  // Where the browser goes back to: the redirect URI this authorization asked for (one of the registered ones).
  const redirectUri = textOf(interaction.params.redirect_uri ?? software.redirect_uris[0] ?? deps.server.apiResource);
  return {
    software: { clientId: software.client_id, name: software.name },
    scopes: scopes.map((code) => ({ code, label: SOFTWARE_SCOPE_LABELS[code] })),
    redirectHost: new URL(redirectUri).host,
  };
}

/**
 * Whether the browser resuming interaction `uid` is signed in as the person who consented (`spaceId`): when it is
 * not, the consent is void (the interaction is destroyed) and no code is issued.
 */
export async function isConsentingPerson(deps: SoftwareDeps, uid: string, spaceId: string | undefined): Promise<boolean> {
  const interaction = await deps.server.provider.Interaction.find(uid);
  const accountId = (interaction?.result as { login?: { accountId?: string } } | undefined)?.login?.accountId;
  if (!interaction || accountId === undefined || accountId === spaceId) return true;
  await interaction.destroy();
  return false;
}

export type ConsentInput = { decision: "allow"; companies: "all" | string[] } | { decision: "deny" };

/**
 * The person's answer: a grant for the scopes asked, on all her companies or the chosen ones (each one she holds
 * a live right on), or a refusal the software hears as `access_denied`. Answers where to send the browser back.
 */
export async function answerInteraction(
  deps: SoftwareDeps,
  spaceId: string,
  uid: string,
  browserUid: string | undefined,
  input: ConsentInput,
): Promise<{ redirectTo: string }> {
  const { interaction, software, scopes } = await interactionOf(deps, uid, browserUid);
  const now = deps.clock.now();
  const remaining = Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000));
  if (input.decision === "deny") {
    interaction.result = { error: "access_denied", error_description: "La personne a refusé l'autorisation." };
    await interaction.save(remaining);
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, {
        actor: { kind: "person", id: spaceId },
        action: "software.consent_refused",
        subject: { type: "software", id: software.client_id },
      }),
    );
    return { redirectTo: interaction.returnTo };
  }
  if (scopes.length === 0) throw new DomainError("refused", "no_scope", "Le logiciel ne demande aucune permission connue : l'autorisation est impossible.");
  let sirens: string[] = [];
  if (input.companies !== "all") {
    sirens = [...new Set(input.companies)];
    if (sirens.length === 0)
      throw new DomainError("invalid", "no_company", "Choisissez au moins une entreprise, ou « Toutes mes entreprises ».", { field: "companies" });
    if (sirens.length > 10_000) throw new DomainError("invalid", "too_many_companies", "Au plus 10 000 entreprises à la fois.", { field: "companies" });
    const held = new Set((await liveRightsIn(deps.db, spaceId, now, sirens)).map((r) => r.siren));
    const foreign = sirens.filter((s) => !held.has(s));
    if (foreign.length)
      throw new DomainError(
        "refused",
        "company_not_held",
        `Vous n'avez pas de droit sur ${foreign.length === 1 ? "l'entreprise" : "les entreprises"} ${foreign.slice(0, 5).join(", ")}.`,
        { field: "companies", sirens: foreign.slice(0, 20) },
      );
  }
  const { Grant } = deps.server.provider;
  const grant = new Grant({ accountId: spaceId, clientId: software.client_id });
  grant.addResourceScope(deps.server.apiResource, scopes.join(" "));
  const grantId = await grant.save();
  const id = randomUUID();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("software_grants")
      .values({
        grant_id: grantId,
        id,
        client_id: software.client_id,
        space_id: spaceId,
        scopes: JSON.stringify(scopes),
        all_companies: input.companies === "all",
        created_at: now,
        expires_at: new Date(now.getTime() + LIFETIMES.grantSeconds * 1000),
        last_used_at: null,
        revoked_at: null,
        revoked_why: null,
      })
      .execute();
    for (let i = 0; i < sirens.length; i += 1000) {
      await tx
        .insertInto("software_grant_companies")
        .values(sirens.slice(i, i + 1000).map((siren) => ({ grant_id: grantId, siren })))
        .execute();
    }
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "software.granted",
      subject: { type: "software_grant", id },
      data: { clientId: software.client_id, software: software.name, scopes, companies: input.companies === "all" ? "all" : sirens },
    });
  });
  interaction.result = { login: { accountId: spaceId, remember: false }, consent: { grantId } };
  await interaction.save(remaining);
  return { redirectTo: interaction.returnTo };
}
