export { spacesRoutes, type SpacesRoutesDeps } from "./spaces.routes.js";
export { createSpace, verifySpaceEmail, signIn, verifyDevice, getPerson, purgeUnverifiedSpaces, normaliseEmail, SPACE_RULES, type SpacesDeps, type PersonView } from "./spaces.service.js";
export { createPasswordHasher, checkPassword, commonPasswords, type PasswordHasher, type PasswordProblem } from "./spaces.passwords.js";
export { assertNotLocked, recordFailure, clearFailures, lockDurationMs } from "./spaces.throttle.js";
export { emailField, errorReply } from "./spaces.schema.js";
