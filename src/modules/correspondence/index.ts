export { correspondenceRoutes } from "./correspondence.routes.js";
export {
  openThread,
  publishScheduled,
  threadPublishHandler,
  listScheduled,
  cancelScheduled,
  checkPlaceholders,
  fillPlaceholders,
  PLACEHOLDERS,
  THREAD_PUBLISH_KIND,
  type CorrespondenceDeps,
  type ThreadInput,
} from "./correspondence.threads.js";
export { submitCampaign, runCampaign, campaignRunHandler, parseCampaignCsv, CAMPAIGN_RULES, CAMPAIGN_RUN_KIND } from "./correspondence.campaigns.js";
export { getCampaign, listCampaigns, campaignRecipients, campaignReportCsv } from "./correspondence.reports.js";
