export { requestAdhesion, activateAdhesion, cancelAdhesion, expireAdhesions, ADHESION_RULES, type AdhesionsDeps } from "./adhesions.service.js";
export { listAdhesions, getAdhesion, adhesionQualities, type AdhesionView } from "./adhesions.views.js";
export { createSimplifiedSpace } from "./adhesions.simplified.js";
export { companyDesk, reissueLetter, cancelAdhesionByAgent, opposeAdhesion, queueOfficeActionNotices } from "./adhesions.desk.js";
export {
  describeCompanyEmailLink,
  confirmCompanyEmail,
  requestCompanyEmailChange,
  companyEmailOf,
  companyEmailsOf,
  companiesWithMessagerie,
} from "./adhesions.email.js";
export {
  TAX_CODES,
  type TaxCode,
  SERVICE_CATALOGUE,
  SERVICE_CODES,
  serviceLabel,
  orderedServices,
  QUALITY_LABELS,
  type ServiceCode,
  type Quality,
} from "./adhesions.catalogue.js";
export type { RightsPort } from "./adhesions.ports.js";
export { adhesionsRoutes } from "./adhesions.routes.js";
export { adhesionBatchRoutes } from "./adhesions.batch.routes.js";
export { adhesionBatchHandler, ADHESION_BATCH_KIND, submitAdhesionBatch, runAdhesionBatch, getAdhesionBatch, BATCH_RULES } from "./adhesions.batch.js";
export { FLOODING_RULES, adhesionAllowance } from "./adhesions.quota.js";
