export { createAuthorizationServer, refreshTokenTtl, LIFETIMES, type AuthorizationServer } from "./software.provider.js";
export { bearerResolver, registerSoftware, listSoftware, disableSoftware, checkRedirectUri, type SoftwareDeps } from "./software.service.js";
export { revokeGrant, journalTokenIssued } from "./software.grants.js";
export { authorizationServerRoutes, softwareRoutes } from "./software.routes.js";
export { purgeExpiredArtifacts } from "./software.adapter.js";
export { SCOPES, type Scope } from "./software.repository.js";
