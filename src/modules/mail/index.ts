export { queueMail, queueMails, mailOutboxHandler, MAIL_OUTBOX_KIND } from "./mail.service.js";
export { smtpTransport, catcherTransport, type MailTransport } from "./mail.delivery.js";
export {
  spaceVerificationCodeMail,
  deviceCodeMail,
  passwordResetMail,
  passwordChangedMail,
  companyEmailLinkMail,
  oppositionNoticeMail,
  officeActionNoticeMail,
  spaceCreationAttemptMail,
  companyEmailChangedMail,
  newRightMail,
  teamRightMail,
  teamInvitationMail,
  delegationOfferMail,
  requestNotificationMail,
  administrationMessageMail,
  receiptMail,
  exportReadyMail,
  followerAssignedMail,
  type Mail,
} from "./mail.templates.js";
export { devMailRoutes } from "./mail.routes.js";
