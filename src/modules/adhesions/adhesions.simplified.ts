/** The simplified mode (product §3): a person creates her space and adheres to her own company in one step. */
import { assertPasswordAccepted, inCreationTransaction, normaliseEmail, openPendingSpace, type CreateSpaceInput, type PendingSpace } from "../spaces/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import { SERVICE_CODES } from "./adhesions.catalogue.js";
import { requireCompany, assertLetterQuota, openAdhesion, type AdhesionsDeps } from "./adhesions.service.js";

/**
 * Simplified mode (product §3): a person creates a space for their own company, which has no online service yet.
 * The link goes to the company address; its confirmation sends the letter for every service of the catalogue.
 */
export async function createSimplifiedSpace(deps: AdhesionsDeps, input: CreateSpaceInput) {
  if (!input.companyEmail) throw errors.companyEmailRequired();
  const company = await requireCompany(deps.db, input.siren);
  if (await repo.hasActiveAdhesion(deps.db, input.siren)) throw errors.companyAlreadyAdhered(input.siren);
  const connectionEmail = normaliseEmail(input.connectionEmail);
  const companyEmail = normaliseEmail(input.companyEmail);
  assertPasswordAccepted(input.password, {
    email: connectionEmail,
    siren: input.siren,
    companyName: company.name,
    firstName: input.firstName,
    lastName: input.lastName,
  });
  const now = deps.clock.now();
  await assertLetterQuota(deps.db, input.siren, now);
  const passwordHash = await deps.hasher.hash(input.password);
  const taken = { status: "pending_email_verification", created: false } as const;
  return inCreationTransaction<PendingSpace & { adhesionId?: string }>(
    deps.db,
    async (tx) => {
      // The code verifies the connection address unless the company-address link will do it (same address, and a
      // link is indeed sent: the company has no verified address yet).
      const linkWillVerify = connectionEmail === companyEmail && !(await repo.findCompanyEmail(tx, input.siren));
      const space = await openPendingSpace(tx, now, { ...input, passwordHash, sendVerificationCode: !linkWillVerify, publicUrl: deps.publicUrl });
      // An address that already has a space: its owner was told; no adhesion (and no letter) for whoever asked.
      if (!space.created) return taken;
      const adhesion = await openAdhesion(
        tx,
        deps,
        now,
        space.spaceId,
        `${input.firstName.trim()} ${input.lastName.trim()}`,
        "simplified",
        { siren: input.siren, quality: "legal_representative", services: [...SERVICE_CODES], companyEmail },
        company,
      );
      return { ...space, adhesionId: adhesion.id };
    },
    () => taken,
  );
}
