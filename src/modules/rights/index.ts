export { adhesionRightsPort, can, getMyCompany, type RightsDeps, type MyCompany, type MyRight } from "./rights.service.js";
export { offerDelegation, acceptDelegation, declineDelegation, setDelegationState, revokeDelegation, DELEGATION_RULES } from "./rights.delegations.js";
export { listDelegations, type DelegationView } from "./rights.offers.js";
export {
  listRepresentatives,
  revokeRight,
  runRightsHousekeeping,
  managesCompany,
  rightsOfCompany,
  suspendRightByAgent,
  type CompanyRightView,
} from "./rights.company.js";
export { decideGrant, can as canWithRights, isLive, mayRevoke, canManage, type HeldRight, type GrantRequest } from "./rights.policy.js";
export { rightsRoutes } from "./rights.routes.js";
export { messagerieScope, messagerieCovers, messagerieHolders, messagerieReach, liveRightsIn, liveRight } from "./rights.repository.js";
export { pagePortfolio, portfolioTotals, foldName, type PortfolioItem, type PortfolioFilters, type PortfolioSort } from "./rights.portfolio.js";
export { rightsBatchRoutes } from "./rights.batch.routes.js";
export {
  decideTeamCompanies,
  grantTeamRights,
  revokeTeamRights,
  notifyTeamRights,
  administers,
  type TeamGrant,
  type TeamCompanyDecision,
  type TeamNamesPort,
} from "./rights.teams.js";
