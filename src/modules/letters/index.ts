export { devLetterRoutes } from "./letters.routes.js";
export {
  issueLetter,
  issueCorrespondenceLetters,
  letterRenderHandler,
  voidPendingLettersOf,
  writePrintBatch,
  markBatchPosted,
  markLetterReturned,
  lettersOfAdhesions,
  lettersOfCompany,
  listLetterViews,
  letterPdf,
  maskCodes,
  LETTER_RENDER_KIND,
  type LettersDeps,
  type NewLetter,
  type NewCorrespondenceLetter,
  type BatchResult,
} from "./letters.service.js";
export { addressBlock, postalCase, MAX_LINES, MAX_LINE_LENGTH, type PostalAddress } from "./letters.address.js";
export {
  renderLetterPdf,
  newLetterDocument,
  type ActivationLetterFields,
  type CorrespondenceLetterFields,
  type EmailChangeNoticeFields,
  type LetterDocument,
} from "./letters.render.js";
