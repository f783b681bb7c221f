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
