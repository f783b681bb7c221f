export { backofficeRoutes, type BackofficeRoutesDeps } from "./backoffice.routes.js";
export { createAgent, signInAgent, getAgent, listAgents, type AgentsDeps, type AgentView, type CreateAgentInput } from "./agents.service.js";
export { totpNow, verifyTotp, newTotpSecret } from "./agents.totp.js";
export { scopeOf, managesCompany } from "./backoffice.service.js";
export { addTemplateAsOperator, renderTemplate, TEMPLATE_VARIABLES } from "./backoffice.templates.js";
