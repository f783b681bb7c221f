export {
  createSimplifiedSpace,
  requestAdhesion,
  listAdhesions,
  getAdhesion,
  activateAdhesion,
  cancelAdhesion,
  companyDesk,
  reissueLetter,
  cancelAdhesionByAgent,
  opposeAdhesion,
  describeCompanyEmailLink,
  confirmCompanyEmail,
  requestCompanyEmailChange,
  companyEmailOf,
  companyEmailsOf,
  expireAdhesions,
  adhesionQualities,
  ADHESION_RULES,
  type AdhesionsDeps,
  type AdhesionView,
} from "./adhesions.service.js";
export { TAX_CODES, type TaxCode, SERVICE_CATALOGUE, SERVICE_CODES, serviceLabel, orderedServices, QUALITY_LABELS, type ServiceCode, type Quality } from "./adhesions.catalogue.js";
export type { RightsPort } from "./adhesions.ports.js";
export { adhesionsRoutes } from "./adhesions.routes.js";
