import { frenchDate } from "../../shared/dates.js";
import { ROLE_LABELS } from "../../shared/labels.js";
/** A mail ready to send. Never holds anything but what the recipient must read. */
export type Mail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; contentType: string; contentBase64: string }[];
};

const SIGNATURE = "\n\n--\nMessagerie Pro — espace professionnel\nCe message est envoyé automatiquement ; merci de ne pas y répondre.";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Text part plus a minimal HTML part that shows exactly the same words. */
function build(to: string, subject: string, paragraphs: string[]): Mail {
  const text = paragraphs.join("\n\n") + SIGNATURE;
  const html = `<!doctype html><html lang="fr"><body>${paragraphs
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join(
      "",
    )}<p style="color:#666">Messagerie Pro — espace professionnel<br>Ce message est envoyé automatiquement ; merci de ne pas y répondre.</p></body></html>`;
  return { to, subject, text, html };
}

const parisDateTime = (d: Date) => frenchDate(d, { time: true });

/** The code that verifies a connection address at space creation (48 h). */
export function spaceVerificationCodeMail(p: { to: string; firstName: string; code: string; expiresAt: Date; subscriberNumber: string }): Mail {
  return build(p.to, "Votre code de validation de l'espace professionnel", [
    `Bonjour ${p.firstName},`,
    `Vous avez demandé la création d'un espace professionnel (numéro d'abonné ${p.subscriberNumber}).`,
    `Votre code de validation : ${p.code}`,
    `Saisissez-le sur la page « Valider mon adresse » avant le ${parisDateTime(p.expiresAt)}. Passé ce délai, ou après 5 saisies erronées, la création devra être recommencée.`,
    "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : sans ce code, l'espace ne sera pas créé.",
  ]);
}

/** The 6-digit code of a sign-in from a new device (30 minutes). */
export function deviceCodeMail(p: { to: string; firstName: string; code: string; expiresAt: Date }): Mail {
  return build(p.to, "Code de connexion depuis un nouvel appareil", [
    `Bonjour ${p.firstName},`,
    "Une connexion à votre espace professionnel a été demandée depuis un appareil que nous ne connaissons pas.",
    `Code de connexion : ${p.code}`,
    `Ce code est valable jusqu'au ${parisDateTime(p.expiresAt)}.`,
    "Si vous n'êtes pas à l'origine de cette connexion, ne communiquez ce code à personne et changez votre mot de passe.",
  ]);
}

/** « Mot de passe oublié » : the single-use link to choose a new password (30 minutes). */
export function passwordResetMail(p: { to: string; firstName: string; link: string; expiresAt: Date }): Mail {
  return build(p.to, "Choisir un nouveau mot de passe", [
    `Bonjour ${p.firstName},`,
    "Vous avez demandé à changer le mot de passe de votre espace professionnel. Pour en choisir un nouveau, ouvrez ce lien :",
    p.link,
    `Ce lien ne sert qu'une fois et reste valable jusqu'au ${parisDateTime(p.expiresAt)}.`,
    "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
  ]);
}

/** The password of a space was changed through the reset link: every session was closed. */
export function passwordChangedMail(p: { to: string; firstName: string; at: Date }): Mail {
  return build(p.to, "Votre mot de passe a été changé", [
    `Bonjour ${p.firstName},`,
    `Le mot de passe de votre espace professionnel a été changé le ${parisDateTime(p.at)}. Toutes vos sessions ouvertes ont été fermées.`,
    "Si vous n'êtes pas à l'origine de ce changement, demandez un nouveau lien depuis « Mot de passe oublié » et prévenez votre service des impôts.",
  ]);
}

/** The 72-hour link that verifies a company e-mail address (product §6). */
export function companyEmailLinkMail(p: {
  to: string;
  companyName: string;
  siren: string;
  link: string;
  expiresAt: Date;
  purpose: "adhesion" | "change";
  requester: string;
}): Mail {
  return build(p.to, "Vérification de l'adresse électronique de votre entreprise", [
    "Bonjour,",
    p.purpose === "adhesion"
      ? `${p.requester} a déclaré cette adresse comme adresse électronique de l'entreprise ${p.companyName} (SIREN ${p.siren}) en demandant l'accès à ses services en ligne.`
      : `${p.requester} demande que cette adresse devienne l'adresse électronique de l'entreprise ${p.companyName} (SIREN ${p.siren}).`,
    `Pour confirmer cette adresse, ouvrez le lien ci-dessous puis cliquez sur « Confirmer l'adresse » avant le ${parisDateTime(p.expiresAt)} :`,
    p.link,
    p.purpose === "adhesion"
      ? "Une fois l'adresse confirmée, un courrier portant un code d'activation sera envoyé à l'adresse postale de l'entreprise."
      : "Une fois l'adresse confirmée, l'ancienne adresse sera prévenue et un courrier sera envoyé à l'adresse postale de l'entreprise.",
    "Si vous n'êtes pas concerné par cette demande, ignorez ce message : rien ne sera fait sans votre confirmation.",
  ]);
}

/** Tells the requester that the company stopped the adhesion (opposition). */
export function oppositionNoticeMail(p: { to: string; firstName: string; companyName: string; siren: string; blockedUntil: Date }): Mail {
  return build(p.to, "Votre demande d'adhésion a été refusée par l'entreprise", [
    `Bonjour ${p.firstName},`,
    `L'entreprise ${p.companyName} (SIREN ${p.siren}) s'est opposée à votre demande d'adhésion à ses services en ligne. La demande est annulée et son code d'activation n'est plus valable.`,
    `Vous ne pourrez pas présenter de nouvelle demande pour cette entreprise avant le ${p.blockedUntil.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}. Son service des impôts en a été informé.`,
  ]);
}

/**
 * A content-free notice that the tax office acted on a company's accesses (an adhesion cancelled, a letter
 * re-issued, a right suspended): what changed and by whom is read signed in, in « Qui agit pour mon entreprise ».
 */
export function officeActionNoticeMail(p: { to: string; companyName: string; siren: string; recipient: "company" | "person" }): Mail {
  return build(p.to, "Les accès à votre entreprise ont changé", [
    "Bonjour,",
    p.recipient === "company"
      ? `Le service des impôts a modifié les accès à l'entreprise ${p.companyName} (SIREN ${p.siren}).`
      : `Le service des impôts a modifié l'un de vos accès à l'entreprise ${p.companyName} (SIREN ${p.siren}).`,
    p.recipient === "company"
      ? "Pour voir ce qui a changé, connectez-vous à votre espace professionnel : la page « Qui agit pour mon entreprise » le détaille."
      : "Pour voir ce qui a changé, connectez-vous à votre espace professionnel : vos entreprises et vos habilitations y sont à jour.",
    "Si vous ne comprenez pas ce changement, contactez votre service des impôts des entreprises depuis la messagerie.",
  ]);
}

/**
 * Someone asked to create a space with an address that already has one: its owner is told (the answer to the
 * request did not say it, so that nobody learns which addresses have a space), with what to do if it was them.
 */
export function spaceCreationAttemptMail(p: { to: string; firstName: string; pending: boolean; publicUrl: string }): Mail {
  return build(p.to, "Tentative de création d'un espace avec votre adresse", [
    `Bonjour ${p.firstName},`,
    "Quelqu'un a demandé à créer un espace professionnel avec votre adresse électronique, qui en a déjà un. Aucun nouvel espace n'a été créé et votre espace n'a pas changé.",
    p.pending
      ? `Si c'était vous : votre espace attend encore la validation de votre adresse. Saisissez le code déjà reçu, ou demandez-en un nouveau avec « Renvoyer le code » : ${p.publicUrl}/valider-mon-adresse`
      : `Si c'était vous : connectez-vous avec votre espace existant. Mot de passe oublié ? Choisissez-en un nouveau ici : ${p.publicUrl}/mot-de-passe-oublie`,
    "Si ce n'était pas vous, vous n'avez rien à faire : personne ne peut utiliser votre adresse sans le code qui vous est envoyé.",
  ]);
}

/** Tells the former company address that the company e-mail address changed (product §6). */
export function companyEmailChangedMail(p: { to: string; companyName: string; siren: string; newEmail: string; changedBy: string }): Mail {
  return build(p.to, "L'adresse électronique de votre entreprise a changé", [
    "Bonjour,",
    `L'adresse électronique de l'entreprise ${p.companyName} (SIREN ${p.siren}) est désormais ${p.newEmail}, à la demande de ${p.changedBy}. Cette adresse-ci ne recevra plus les messages de l'administration.`,
    "Un courrier le confirme à l'adresse postale de l'entreprise. Si vous n'êtes pas à l'origine de ce changement, contactez votre service des impôts des entreprises.",
  ]);
}

/** « en tant qu'administrateur », « en tant que délégataire »: the elision French requires before a vowel. */
export function asRole(role: string): string {
  const word = ROLE_LABELS[role] ?? role;
  return /^[aeiouyéèêàâîôûh]/i.test(word) ? `en tant qu'${word}` : `en tant que ${word}`;
}

/** Every new right on a company is told to the company e-mail address (product §7). */
export function newRightMail(p: {
  to: string;
  companyName: string;
  siren: string;
  person: string;
  personEmail: string;
  role: string;
  services: string[];
  taxScope: string[] | null;
  grantedBy: string | null;
  validUntil: Date | null;
}): Mail {
  return build(p.to, "Nouvelle habilitation sur votre entreprise", [
    "Bonjour,",
    `${p.person} (${p.personEmail}) peut désormais agir pour l'entreprise ${p.companyName} (SIREN ${p.siren}) ${asRole(p.role)}.`,
    ...rightTerms(p, "Habilitation obtenue par adhésion, avec le code d'activation envoyé par courrier au siège."),
  ]);
}

/** What a new right covers, who gave it, until when, and who may end it: the same words for every new right. */
function rightTerms(
  p: { services: string[]; taxScope: string[] | null; grantedBy: string | null; validUntil: Date | null },
  withoutGranter: string | null,
): string[] {
  return [
    `Services : ${p.services.join(", ")}${p.taxScope ? ` (messagerie limitée à : ${p.taxScope.join(", ")})` : ""}.`,
    ...(p.grantedBy ? [`Habilitation accordée par ${p.grantedBy}.`] : withoutGranter ? [withoutGranter] : []),
    p.validUntil ? `Elle prend fin le ${p.validUntil.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}.` : "Elle n'a pas de date de fin.",
    "Les administrateurs de l'entreprise voient toutes les personnes qui agissent pour elle dans leur espace professionnel (« Qui agit pour mon entreprise ») et peuvent y mettre fin.",
  ];
}

/** Tells a person that an habilitation is offered to them (they must accept it, product §7). */
export function delegationOfferMail(p: {
  to: string;
  firstName: string;
  companyName: string;
  siren: string;
  from: string;
  role: string;
  services: string[];
  expiresAt: Date;
}): Mail {
  return build(p.to, "Une habilitation vous est proposée", [
    `Bonjour ${p.firstName},`,
    `${p.from} vous propose d'agir pour l'entreprise ${p.companyName} (SIREN ${p.siren}) ${asRole(p.role)}, pour : ${p.services.join(", ")}.`,
    `Connectez-vous à votre espace professionnel pour l'accepter ou la refuser avant le ${p.expiresAt.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}. Sans réponse, la proposition expirera.`,
  ]);
}

/**
 * The notification of product §8: no content, no attachment and no link to a sign-in page (anti-phishing); the
 * person is told to go to the site.
 */
export function requestNotificationMail(p: { to: string; references: string[] }): Mail {
  const one = p.references.length === 1;
  return build(p.to, one ? `Nouveau message concernant votre demande ${p.references[0]}` : "Nouveaux messages dans votre messagerie sécurisée", [
    "Bonjour,",
    one
      ? `Un nouveau message concernant votre demande ${p.references[0]} est disponible dans votre messagerie sécurisée.`
      : `De nouveaux messages concernant vos demandes ${p.references.join(", ")} sont disponibles dans votre messagerie sécurisée.`,
    "Pour le lire, connectez-vous à votre espace professionnel en saisissant vous-même l'adresse du site dans votre navigateur. Ce courriel ne contient aucun lien : méfiez-vous des messages qui vous invitent à cliquer pour vous connecter.",
  ]);
}

/**
 * The administration wrote to the company (product §16): content-free, to the company e-mail address — no subject
 * of the message, no link; a reminder when the message stays unread 7 days.
 */
export function administrationMessageMail(p: {
  to: string;
  reference: string;
  companyName: string;
  reminder: boolean;
  acknowledgementRequired: boolean;
}): Mail {
  return build(
    p.to,
    p.reminder
      ? `Rappel : un message de l'administration attend votre lecture (${p.reference})`
      : `Un message de l'administration vous attend (${p.reference})`,
    [
      "Bonjour,",
      p.reminder
        ? `L'administration a adressé à l'entreprise ${p.companyName} un message (référence ${p.reference}) il y a 7 jours ; personne ne l'a encore lu.`
        : `L'administration a adressé à l'entreprise ${p.companyName} un message (référence ${p.reference}), disponible dans sa messagerie sécurisée.`,
      ...(p.acknowledgementRequired
        ? ["Ce message demande un accusé de réception : une personne habilitée de l'entreprise doit l'ouvrir et cliquer sur « J'accuse réception »."]
        : []),
      "Pour le lire, connectez-vous à votre espace professionnel en saisissant vous-même l'adresse du site dans votre navigateur. Ce courriel ne contient aucun lien : méfiez-vous des messages qui vous invitent à cliquer pour vous connecter.",
    ],
  );
}

/** The acknowledgement of receipt, sent to the author's connection address with its signed PDF. */
export function receiptMail(p: { to: string; reference: string; companyName: string; receivedAt: Date; pdf: Buffer }): Mail {
  const mail = build(p.to, `Accusé de réception de votre demande ${p.reference}`, [
    "Bonjour,",
    `Votre demande ${p.reference} pour l'entreprise ${p.companyName} a été reçue le ${parisDateTime(p.receivedAt)} (heure de Paris).`,
    "L'accusé de réception signé est joint à ce courriel ; il reste téléchargeable dans votre messagerie sécurisée.",
  ]);
  return {
    ...mail,
    attachments: [{ filename: `accuse-reception-${p.reference}.pdf`, contentType: "application/pdf", contentBase64: p.pdf.toString("base64") }],
  };
}

/** An export is ready (content-free: what it holds is only shown after sign-in). */
export function exportReadyMail(p: { to: string; firstName: string; expiresAt: Date }): Mail {
  return build(p.to, "Votre export de la messagerie est prêt", [
    `Bonjour ${p.firstName},`,
    "L'export que vous avez demandé est prêt. Connectez-vous à votre espace professionnel, page « Exports », pour le télécharger.",
    `Il est conservé jusqu'au ${parisDateTime(p.expiresAt)}.`,
  ]);
}

/**
 * The company learns that people of a firm's team may now act for it (product §19): one mail per company and per
 * change, naming every person who got the team's grant.
 */
export function teamRightMail(p: {
  to: string;
  companyName: string;
  siren: string;
  /** « Lila Rosemonde (lila.rosemonde@gestion.com) », one per person. */
  people: string[];
  /** « l'équipe TVA de CABINET GESTION ». */
  team: string;
  role: string;
  services: string[];
  taxScope: string[] | null;
  grantedBy: string | null;
  validUntil: Date | null;
}): Mail {
  const many = p.people.length > 1;
  return build(p.to, "Nouvelle habilitation sur votre entreprise", [
    "Bonjour,",
    `${p.people.join(", ")} ${many ? "peuvent" : "peut"} désormais agir pour l'entreprise ${p.companyName} (SIREN ${p.siren}) ${asRole(p.role)}, via ${p.team}.`,
    ...rightTerms(p, null),
  ]);
}

/** A colleague is asked to join a team of her firm (she accepts once, product §19). */
export function teamInvitationMail(p: { to: string; firstName: string; team: string; from: string; companies: number }): Mail {
  return build(p.to, "Invitation à rejoindre une équipe de votre entité", [
    `Bonjour ${p.firstName},`,
    `${p.from} vous invite à rejoindre ${p.team} (${p.companies} entreprise${p.companies > 1 ? "s" : ""} à ce jour).`,
    "Connectez-vous à votre espace professionnel, page « Équipes », pour accepter : vous pourrez alors agir pour les entreprises de l'équipe.",
  ]);
}

/**
 * A colleague gave a person a request to follow (« suivie par », product §19). Like every notice of the messagerie:
 * the reference and the company only, no content and no link; the request is read signed in.
 */
export function followerAssignedMail(p: { to: string; firstName: string; assignedBy: string; reference: string; companyName: string }): Mail {
  return build(p.to, `Une demande vous est confiée : ${p.reference}`, [
    `Bonjour ${p.firstName},`,
    `${p.assignedBy} vous a confié le suivi de la demande ${p.reference} de l'entreprise ${p.companyName}.`,
    "Pour la consulter, connectez-vous à votre espace professionnel en saisissant vous-même l'adresse du site dans votre navigateur, puis ouvrez « Suivre mes demandes » et choisissez « Suivies par moi ». Ce courriel ne contient aucun lien : méfiez-vous des messages qui vous invitent à cliquer pour vous connecter.",
  ]);
}
