export { adhesionRightsPort, listMyCompanies, getMyCompany, type RightsDeps, type MyCompany, type MyRight } from "./rights.service.js";
export { rightsRoutes } from "./rights.routes.js";
