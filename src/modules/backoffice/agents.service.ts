import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import type { Sealer } from "../../platform/crypto.js";
import { randomToken } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { openSession, type Session } from "../../platform/sessions.js";
import { taxServiceExists } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
import { assertNotLocked, checkPassword, clearFailures, normaliseEmail, recordFailure, type PasswordHasher } from "../spaces/index.js";
import * as repo from "./agents.repository.js";
import { newTotpSecret, totpSecretProblem, totpUri, verifyTotp } from "./agents.totp.js";

export type AgentsDeps = { db: Kysely<DB>; clock: Clock; hasher: PasswordHasher; sealer: Sealer };

export type AgentView = { id: string; email: string; name: string; isSupervisor: boolean; services: { code: string; name: string; type: string }[] };

export type CreateAgentInput = {
  email: string;
  name: string;
  services: string[];
  isSupervisor: boolean;
  password?: string | undefined;
  totpSecret?: string | undefined;
};

/**
 * Creates an agent (operator command). A password and a TOTP secret are generated when not given; they are
 * returned once, to be handed to the agent, and stored only hashed (password) or sealed (TOTP secret).
 */
export async function createAgent(deps: AgentsDeps, input: CreateAgentInput) {
  const email = normaliseEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new DomainError("invalid", "invalid_email", `Adresse électronique invalide : ${input.email}`);
  if (!input.name.trim()) throw new DomainError("invalid", "invalid_name", "Le nom de l'agent est obligatoire.");
  if (input.services.length === 0) throw new DomainError("invalid", "service_required", "Au moins un service est obligatoire (--service CODE).");
  for (const code of input.services) {
    if (!(await taxServiceExists(deps.db, code))) {
      throw new DomainError("refused", "unknown_service", `Service inconnu : ${code}. Importez d'abord les services (import-services).`);
    }
  }
  const password = input.password ?? randomToken().slice(0, 20);
  const problems = checkPassword(password, { email, firstName: input.name });
  if (problems.length > 0) throw new DomainError("refused", "weak_password", `Mot de passe refusé : ${problems.join(", ")}`, { problems });
  const totpSecret = (input.totpSecret ?? newTotpSecret()).replace(/\s/g, "").toUpperCase();
  const secretProblem = totpSecretProblem(totpSecret);
  if (secretProblem) {
    throw new DomainError("invalid", "invalid_totp_secret", secretProblem);
  }
  const passwordHash = await deps.hasher.hash(password);
  const now = deps.clock.now();
  const id = randomUUID();
  try {
    await deps.db.transaction().execute(async (tx) => {
      await repo.insertAgent(
        tx,
        {
          id,
          email,
          name: input.name.trim(),
          password_hash: passwordHash,
          totp_secret_sealed: deps.sealer.seal(totpSecret),
          is_supervisor: input.isSupervisor,
          created_at: now,
        },
        [...new Set(input.services)],
      );
      await appendJournal(tx, now, {
        actor: { kind: "operator" },
        action: "agent.created",
        subject: { type: "agent", id },
        data: { email, services: input.services, isSupervisor: input.isSupervisor },
      });
    });
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw new DomainError("conflict", "agent_exists", `Un agent existe déjà avec l'adresse ${email}.`);
    throw error;
  }
  return { id, email, password, totpSecret, otpauthUri: totpUri(totpSecret, email) };
}

async function agentView(db: Kysely<DB>, agent: { id: string; email: string; name: string; is_supervisor: boolean }): Promise<AgentView> {
  return { id: agent.id, email: agent.email, name: agent.name, isSupervisor: agent.is_supervisor, services: await repo.listAgentServices(db, agent.id) };
}

const invalidAgentCredentials = () => new DomainError("unauthenticated", "invalid_credentials", "Adresse électronique, mot de passe ou code TOTP incorrect.");

/** Back-office sign-in: password and TOTP always (product §13), same generic error for every failure. */
export async function signInAgent(deps: AgentsDeps, input: { email: string; password: string; totp: string; ip: string }) {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  await assertNotLocked(deps.db, "agent", email, now);
  const agent = await repo.findAgentByEmail(deps.db, email);
  const passwordOk = await deps.hasher.verify(agent?.password_hash ?? (await deps.hasher.dummyHash()), input.password);
  const step = agent && passwordOk ? await verifyTotp(deps.sealer.open(agent.totp_secret_sealed), input.totp.trim(), now, Number(agent.last_totp_step)) : null;
  if (!agent || step === null || !(await repo.advanceTotpStep(deps.db, agent.id, step))) {
    const failures = await recordFailure(deps.db, "agent", email, now);
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, {
        actor: { kind: "anonymous" },
        action: "agent_session.sign_in_failed",
        subject: agent ? { type: "agent", id: agent.id } : undefined,
        data: { email, ip: input.ip, failures, reason: !agent || !passwordOk ? "credentials" : "totp" },
      }),
    );
    throw invalidAgentCredentials();
  }
  await clearFailures(deps.db, "agent", email);
  const opened = await deps.db.transaction().execute(async (tx) => {
    const s = await openSession(tx, "agent", agent.id, now);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "agent_session.signed_in",
      subject: { type: "agent", id: agent.id },
      data: { ip: input.ip },
    });
    return s;
  });
  return { ...opened, agent: await agentView(deps.db, agent) };
}

export async function getAgent(deps: Pick<AgentsDeps, "db">, session: Session): Promise<AgentView> {
  const agent = await repo.findAgentById(deps.db, session.subjectId);
  if (!agent) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.");
  return agentView(deps.db, agent);
}

export async function journalAgentSignOut(deps: Pick<AgentsDeps, "db" | "clock">, session: Session): Promise<void> {
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, deps.clock.now(), {
      actor: { kind: "agent", id: session.subjectId },
      action: "agent_session.signed_out",
      subject: { type: "agent", id: session.subjectId },
    }),
  );
}

export const listAgents = repo.listAgents;

/** The codes of the services an agent belongs to (his requests are theirs). */
export async function getAgentServiceCodes(deps: Pick<AgentsDeps, "db">, agentId: string): Promise<string[]> {
  return (await repo.listAgentServices(deps.db, agentId)).map((s) => s.code);
}
