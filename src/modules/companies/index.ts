export { isValidSiren, isValidSiret, luhnValid, withLuhnKey, departmentOf } from "./companies.identifiers.js";
export {
  getCompany,
  getCompanyDetails,
  getCompanies,
  type CompanyDetails,
  type RegisteredAddress,
  findManagingSie,
  findCompetentServiceOfType,
  taxServiceExists,
  countCompanies,
  upsertCompanies,
  upsertEstablishments,
  upsertTaxService,
  setLegalRepresentatives,
  type CompanySummary,
} from "./companies.service.js";
export {
  importUnitesLegales,
  importEtablissements,
  importTaxServices,
  importLegalRepresentatives,
  legalUnitName,
  UNITE_LEGALE_COLUMNS,
  ETABLISSEMENT_COLUMNS,
  type ImportReport,
  type RejectedRow,
} from "./companies.import.js";
