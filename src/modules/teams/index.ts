export { teamsRoutes } from "./teams.routes.js";
export { createTeam, listTeams, getTeam, listTeamCompanies, teamNames, TEAM_RULES, type TeamsDeps } from "./teams.service.js";
export { inviteMember, joinTeam, removeMember, addCompanies, removeCompany, renameTeam, closeTeam } from "./teams.changes.js";
