export { forgetInboxPlans, hintedInboxPlan, listRequests } from "./requests.inbox.js";
export { sendDigests, notifyCompanySide } from "./requests.notify.js";
export { fileRequest, getRequest, postCompanyMessage, closeRequest, receiptOf, autoCloseAnswered, type RequestsDeps } from "./requests.service.js";
export { type RequestSummary, type MessageView } from "./requests.views.js";
export { requestsRoutes, summarySchema, messageSchema, detailSchema } from "./requests.routes.js";
export { acceptUploads, uploadedFile, uploadAnswer, UPLOAD_DESCRIPTION } from "./requests.uploads.routes.js";
export { signedReceipt, verifyReceipt, type ReceiptKeys, type ReceiptPayload, type ReceiptVerdict } from "./requests.receipts.js";
export { transition, STATUSES, STATUS_LABELS, type RequestEvent } from "./requests.states.js";
export {
  NATURES,
  NATURE_CODES,
  ADMIN_NATURES,
  ADMIN_NATURE_CODES,
  ALL_NATURE_CODES,
  TAX_LABELS,
  TAX_CODES,
  LIMITS,
  ATTACHMENT_MEDIA_TYPES,
} from "./requests.catalogue.js";
export { frenchHolidays, addWorkingDays, deadlinesFor } from "./requests.deadlines.js";
export {
  receiveUpload,
  openAttachment,
  openAttachmentForAgent,
  sendAttachment,
  expireUploads,
  recogniseType,
  safeFileName,
  type UploadsDeps,
} from "./requests.uploads.js";
export { sweepFiles, releaseFiles } from "./requests.stored-files.js";
export { createEventHub, serveEventStream, type EventHub, type EventClient } from "./requests.events.js";
export { purgeStaleStreams, MAX_STREAMS_PER_SESSION, STREAM_STALE_MS } from "./requests.streams.js";
export { applyRetention, setLegalHold, RETENTION } from "./requests.retention.js";
export {
  queue,
  queryKind,
  QUEUE_SORTS,
  QUEUE_ORIGINS,
  DUE_SOON_MS,
  type AgentScope,
  type QueueFilters,
  type QueueItem,
  type QueueSort,
  type QueueOrigin,
} from "./requests.queue.js";
export { queueCounts, getRequestForAgent, postAgentMessage, assignRequest, addNote, transferRequest, closeByAgent } from "./requests.backoffice.js";
export { searchForAgent, requestsOfCompany, SEARCH_CANDIDATES } from "./requests.search.js";
export { serviceStats, foldOpenCounts } from "./requests.stats.js";
export {
  requestExport,
  getExport,
  buildExport,
  exportBuildHandler,
  EXPORT_BUILD_KIND,
  EXPORT_RULES,
  type ExportDeps,
  type ExportManifest,
} from "./requests.export.js";
export { purgeExports } from "./requests.export.store.js";
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
export { beat, leave, presenceOf, prunePresence, PRESENCE_TTL_MS } from "./requests.presence.js";
export { timelineForAgent, type TimelineItem } from "./requests.timeline.js";
export { reopenByAgent } from "./requests.reopen.js";
export { recordPaperReply, type PaperReplyInput } from "./requests.paper.js";
export { transcriptForAgent, transcriptPdf } from "./requests.transcript.js";
export { extendLegalDeadline, fillMissingDeadlines } from "./requests.legal-deadline.js";
export { verifyStoredFiles, type MissingFile } from "./requests.files-verify.js";
