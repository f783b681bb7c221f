export { listRequests } from "./requests.inbox.js";
export { sendDigests, notifyCompanySide } from "./requests.notify.js";
export {
  fileRequest,
  getRequest,
  postCompanyMessage,
  closeRequest,
  receiptOf,
  autoCloseAnswered,
  type RequestsDeps,
  type RequestSummary,
  type MessageView,
} from "./requests.service.js";
export { requestsRoutes, acceptUploads, uploadedFile, uploadAnswer, summarySchema, messageSchema, detailSchema } from "./requests.routes.js";
export { receiptKeysFromPem, signedReceipt, verifyReceipt, type ReceiptKeys, type ReceiptPayload, type ReceiptVerdict } from "./requests.receipts.js";
export { transition, STATUSES, STATUS_LABELS, type RequestEvent } from "./requests.states.js";
export { NATURES, NATURE_CODES, ADMIN_NATURES, ADMIN_NATURE_CODES, ALL_NATURE_CODES, TAX_LABELS, TAX_CODES, LIMITS } from "./requests.catalogue.js";
export { frenchHolidays, addWorkingDays, deadlinesFor } from "./requests.deadlines.js";
export { receiveUpload, openAttachment, openAttachmentForAgent, sendAttachment, expireUploads, sweepFiles, recogniseType, safeFileName, type UploadsDeps } from "./requests.uploads.js";
export { createEventHub, serveEventStream, type EventHub, type EventClient } from "./requests.events.js";
export { applyRetention, setLegalHold, RETENTION } from "./requests.retention.js";
export {
  queue,
  queueCounts,
  getRequestForAgent,
  postAgentMessage,
  assignRequest,
  addNote,
  transferRequest,
  closeByAgent,
  extendLegalDeadline,
  fillMissingDeadlines,
  DUE_SOON_MS,
  type AgentScope,
  type QueueFilters,
  type QueueItem,
} from "./requests.backoffice.js";
export { searchForAgent, serviceStats, requestsOfCompany, SEARCH_CANDIDATES } from "./requests.search.js";
export { requestExport, getExport, buildExport, exportBuildHandler, purgeExports, EXPORT_BUILD_KIND, EXPORT_RULES, type ExportDeps, type ExportManifest } from "./requests.export.js";
export { exportRoutes } from "./requests.export.routes.js";
export { verifyExport, type ExportVerdict } from "./requests.export.verify.js";
export {
  publishThreads,
  announceThreads,
  reserveReferences,
  acknowledgeThread,
  sendReminders,
  awaitingCompany,
  REMINDER_AFTER_MS,
  type ThreadSpec,
  type ThreadToPublish,
  type AwaitingFilters,
} from "./requests.correspondence.js";
export { checkUploads } from "./requests.service.js";
export { reserveUploads } from "./requests.repository.js";
