export { spacesRoutes, type SpacesRoutesDeps } from "./spaces.routes.js";
export {
  findActiveSpaceByEmail,
  createSpace,
  openPendingSpace,
  inCreationTransaction,
  activateSpaceByLink,
  assertPasswordAccepted,
  getSpaces,
  verifySpaceEmail,
  signIn,
  verifyDevice,
  getPerson,
  purgeUnverifiedSpaces,
  normaliseEmail,
  SPACE_RULES,
  type SpacesDeps,
  type PersonView,
  type CreateSpaceInput,
  type PendingSpace,
} from "./spaces.service.js";
export { createPasswordHasher, checkPassword, commonPasswords, type PasswordHasher, type PasswordProblem } from "./spaces.passwords.js";
export { assertNotLocked, recordFailure, clearFailures, lockDurationMs } from "./spaces.throttle.js";
export { emailField, sirenField, errorReply } from "./spaces.schema.js";
export { unknownCompany, ceasedCompany } from "./spaces.errors.js";
export { recoveryRoutes } from "./spaces.recovery.routes.js";
export { purgeRecovery, RECOVERY_RULES } from "./spaces.recovery.js";
