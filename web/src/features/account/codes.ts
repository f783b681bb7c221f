import { ApiError } from "../../shared/api/types";

/** The refusals of a code that are about what was typed (a wrong code, a malformed one): shown under the field. */
const CODE_ERRORS = ["invalid_device_code", "invalid_verification_code", "invalid_code_format"];

/** The message of a code typed wrong, for its field; undefined for any other failure. */
export const codeProblem = (error: unknown) => (error instanceof ApiError && CODE_ERRORS.includes(error.code) ? error.message : undefined);

/** « Il vous reste 3 essais. » after a wrong code, for the field's hint (after its label, DSFR's fr-hint-text). */
export function attemptsHint(error: unknown): string {
  const left = error instanceof ApiError ? (error.details?.attemptsLeft as number | undefined) : undefined;
  return left === undefined ? "" : ` Il vous reste ${left} essai${left > 1 ? "s" : ""}.`;
}
