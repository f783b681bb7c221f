import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { SigningIdentity } from "../../platform/signing.js";
import { newLetterDocument } from "../letters/index.js";
import { frenchDate } from "../../shared/dates.js";

/** What an acknowledgement of receipt states (product §8, CRPA L112-11), signed with the platform's key. */
export type ReceiptPayload = {
  version: 1;
  reference: string;
  receivedAt: string;
  service: { code: string; name: string };
  author: { name: string; connectionEmail: string };
  company: { siren: string; name: string };
  tax: string;
  nature: string;
  subject: string;
  bodySha256: string;
  attachments: { name: string; size: number; mediaType: string; sha256: string }[];
  firstAnswerTarget: string;
  legalDeadline: string | null;
};

/** The platform's signing identity (RSA key and X.509 certificate, src/platform/signing.ts). */
export type ReceiptKeys = SigningIdentity;

const PAYLOAD_MARK = "%MESSAGERIE-PRO-RECEIPT ";
const SIGNATURE_MARK = "%MESSAGERIE-PRO-SIGNATURE rsa-sha256 ";

/** « 1er février 2026 à 09:05:09 », in Paris: the legal time of receipt to the second. */
const parisDateTime = (iso: string) => frenchDate(iso, { seconds: true });

function renderPdf(p: ReceiptPayload): Promise<Buffer> {
  const doc: PDFKit.PDFDocument = newLetterDocument();
  // A fixed creation date keeps the bytes a function of the payload alone.
  doc.info.CreationDate = new Date(p.receivedAt);
  doc.info.Title = `Accusé de réception ${p.reference}`;
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  doc.addPage();
  const left = 56;
  const width = 483;
  doc.font("bold").fontSize(10).text("RÉPUBLIQUE FRANÇAISE", left, 42);
  doc.font("regular").fontSize(9).text("Direction générale des Finances publiques — messagerie sécurisée de l'espace professionnel", left, 58, { width });
  doc.moveDown(2).font("bold").fontSize(16).text("Accusé de réception", { width });
  doc.font("regular").fontSize(9).text("Article L112-11 du code des relations entre le public et l'administration", { width });
  doc.moveDown(1).fontSize(10);
  const row = (label: string, value: string) =>
    doc
      .font("bold")
      .text(`${label} : `, { continued: true, width })
      .font("regular")
      .text(value, { width, features: ["kern"] });
  row("Référence", p.reference);
  row("Date et heure légales de réception", `${parisDateTime(p.receivedAt)} (heure de Paris)`);
  row("Service saisi", `${p.service.name} (${p.service.code})`);
  row("Entreprise", `${p.company.name} — SIREN ${p.company.siren}`);
  row("Auteur", `${p.author.name} (${p.author.connectionEmail})`);
  row("Impôt", p.tax);
  row("Nature", p.nature);
  row("Objet", p.subject);
  doc.moveDown(0.8);
  row("Empreinte SHA-256 du message", p.bodySha256);
  if (p.attachments.length === 0) row("Pièces jointes", "aucune");
  for (const a of p.attachments) row(`Pièce jointe « ${a.name} » (${a.mediaType}, ${a.size} octets), SHA-256`, a.sha256);
  doc.moveDown(0.8);
  row("Délai de première réponse annoncé", `au plus tard le ${frenchDate(p.firstAnswerTarget)}`);
  if (p.legalDeadline) row("Délai légal de décision", `le ${frenchDate(p.legalDeadline)}`);
  doc.moveDown(1).fontSize(8).fillColor("#555");
  doc.text(
    "Ce document est signé électroniquement (Ed25519) par la plateforme. La clé publique est publiée à l'adresse /api/v1/receipts/public-key ; la commande « verify-receipt » vérifie ce fichier sans connexion.",
    { width },
  );
  doc.end();
  return done.then(() => Buffer.concat(chunks));
}

/** Renders the receipt and signs it: the PDF, then the payload and the signature as trailing PDF comments. */
export async function signedReceipt(payload: ReceiptPayload, keys: ReceiptKeys): Promise<Buffer> {
  const pdf = await renderPdf(payload);
  const signed = Buffer.concat([pdf, Buffer.from(`\n${PAYLOAD_MARK}${Buffer.from(JSON.stringify(payload)).toString("base64")}\n`)]);
  const signature = sign("sha256", signed, keys.privateKey);
  return Buffer.concat([signed, Buffer.from(`${SIGNATURE_MARK}${signature.toString("base64")}\n`)]);
}

export type ReceiptVerdict = { valid: true; payload: ReceiptPayload } | { valid: false; reason: string };

/** Checks a receipt file with the public key alone (no database): whole file signed, payload readable. */
export function verifyReceipt(file: Buffer, publicKeyPem: string): ReceiptVerdict {
  const text = file.toString("latin1");
  const at = text.lastIndexOf(SIGNATURE_MARK);
  if (at < 0) return { valid: false, reason: "aucune signature : ce n'est pas un accusé de réception de la plateforme, ou elle a été retirée" };
  const signedPart = file.subarray(0, at);
  const signature = Buffer.from(text.slice(at + SIGNATURE_MARK.length).trim(), "base64");
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return { valid: false, reason: "clé publique illisible" };
  }
  if (!verify("sha256", signedPart, key, signature)) {
    return { valid: false, reason: "signature invalide : le fichier a été modifié après sa signature, ou il n'a pas été signé avec cette clé" };
  }
  const payloadAt = text.lastIndexOf(PAYLOAD_MARK, at);
  if (payloadAt < 0) return { valid: false, reason: "contenu signé introuvable" };
  const line = text.slice(payloadAt + PAYLOAD_MARK.length, text.indexOf("\n", payloadAt));
  return { valid: true, payload: JSON.parse(Buffer.from(line, "base64").toString("utf8")) as ReceiptPayload };
}
