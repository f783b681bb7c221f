import { z } from "zod";
import { sirenProblem } from "../../shared/siren.js";

/** An e-mail address as typed: trimmed, at most 254 characters. */
export const emailField = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: "saisissez une adresse au format nom@domaine.fr" }));

/** A SIREN: 9 digits; anything else is refused saying what is wrong (« vous en avez saisi 8 », a SIRET…). */
export const sirenField = z.string().regex(/^\d{9}$/, { error: (issue) => sirenProblem(typeof issue.input === "string" ? issue.input : "") ?? undefined });

export const createSpaceBody = z.object({
  /** Creation mode: `simplified` (one's own company) or `expert` (acting for several companies). */
  mode: z.enum(["simplified", "expert"]),
  /** The holder's own address; identifies the person. */
  connectionEmail: emailField,
  /** 12 to 128 characters; checked against the common-password list and context words. */
  password: z.string().min(1).max(1024),
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().min(1).max(100),
  /** French or international phone number. */
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 .()-]{6,25}$/, "saisissez un numéro de téléphone, par exemple 01 23 45 67 89"),
  /** Expert mode: SIREN of the entity the person belongs to; simplified mode: the company's SIREN. */
  siren: sirenField,
  /** Simplified mode only: the company e-mail address. */
  companyEmail: emailField.optional(),
});

/**
 * The answer to a space creation: the same whether the address was free or already had a space (nobody learns
 * which addresses have one). The subscriber number travels in the mail with the code.
 */
export const createSpaceReply = z.object({
  status: z.literal("pending_email_verification"),
});

export const verifySpaceBody = z.object({
  connectionEmail: emailField,
  /** The 8-character code e-mailed to the connection address (dashes, spaces and case ignored). */
  code: z.string().min(1).max(32),
});

export const signInBody = z.object({
  email: emailField,
  password: z.string().min(1).max(1024),
});

export const deviceBody = z.object({
  email: emailField,
  /** The 6-digit code e-mailed for a new device. */
  code: z.string().min(1).max(16),
});

export const personSchema = z.object({
  id: z.uuid(),
  firstName: z.string(),
  lastName: z.string(),
  connectionEmail: z.string(),
  subscriberNumber: z.string(),
});

export const authenticatedReply = z.object({
  status: z.literal("authenticated"),
  csrfToken: z.string(),
  person: personSchema,
});

export const signInReply = z.union([authenticatedReply, z.object({ status: z.literal("device_verification_required") })]);

export const sessionReply = z.object({ person: personSchema, csrfToken: z.string() });

export const errorReply = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
