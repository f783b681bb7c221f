/** A mail ready to send. Never holds anything but what the recipient must read. */
export type Mail = { to: string; subject: string; text: string; html?: string };

const SIGNATURE = "\n\n--\nMessagerie Pro — espace professionnel\nCe message est envoyé automatiquement ; merci de ne pas y répondre.";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Text part plus a minimal HTML part that shows exactly the same words. */
function build(to: string, subject: string, paragraphs: string[]): Mail {
  const text = paragraphs.join("\n\n") + SIGNATURE;
  const html = `<!doctype html><html lang="fr"><body>${paragraphs
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("")}<p style="color:#666">Messagerie Pro — espace professionnel<br>Ce message est envoyé automatiquement ; merci de ne pas y répondre.</p></body></html>`;
  return { to, subject, text, html };
}

const parisDateTime = (d: Date) =>
  d.toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });

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

/** Tells the former company address that the company e-mail address changed (product §6). */
export function companyEmailChangedMail(p: { to: string; companyName: string; siren: string; newEmail: string; changedBy: string }): Mail {
  return build(p.to, "L'adresse électronique de votre entreprise a changé", [
    "Bonjour,",
    `L'adresse électronique de l'entreprise ${p.companyName} (SIREN ${p.siren}) est désormais ${p.newEmail}, à la demande de ${p.changedBy}. Cette adresse-ci ne recevra plus les messages de l'administration.`,
    "Un courrier le confirme à l'adresse postale de l'entreprise. Si vous n'êtes pas à l'origine de ce changement, contactez votre service des impôts des entreprises.",
  ]);
}
