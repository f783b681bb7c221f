import { pdfkitAddPlaceholder } from "@signpdf/placeholder-pdfkit";
import { SignPdf } from "@signpdf/signpdf";
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";
import { cmsSignDetached, cmsVerifyDetached, derLength, trustedPublicKeyDer, type SigningIdentity } from "../../platform/signing.js";
import { documentStructure, labelledLine } from "./requests.tagged-pdf.js";
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

/** The key of the document information entry that carries the payload (JSON, base64), inside the signed bytes. */
const PAYLOAD_KEY = "MessagerieProReceipt";
/** Room for the CMS signature in the PDF (bytes): a 3072-bit RSA signature and its certificate take about 2 KB. */
const SIGNATURE_ROOM = 8192;

/** « 1er février 2026 à 09:05:09 », in Paris: the legal time of receipt to the second. */
const parisDateTime = (iso: string) => frenchDate(iso, { seconds: true });

function renderPdf(p: ReceiptPayload, keys: ReceiptKeys): Promise<Buffer> {
  const doc: PDFKit.PDFDocument = newLetterDocument({ title: `Accusé de réception ${p.reference}` });
  // A fixed creation date keeps the bytes a function of the payload alone.
  doc.info.CreationDate = new Date(p.receivedAt);
  doc.info.Subject = `Accusé de réception de la demande ${p.reference}, reçue le ${parisDateTime(p.receivedAt)} (heure de Paris)`;
  (doc.info as Record<string, unknown>)[PAYLOAD_KEY] = Buffer.from(JSON.stringify(p)).toString("base64");
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  doc.addPage();
  const left = 56;
  const width = 483;
  // Each block is a structure element (a paragraph, the heading), read in this order by a screen reader.
  const { tag, end } = documentStructure(doc);
  tag("P", () => doc.font("bold").fontSize(10).text("RÉPUBLIQUE FRANÇAISE", left, 42));
  tag("P", () =>
    doc.font("regular").fontSize(9).text("Direction générale des Finances publiques — messagerie sécurisée de l'espace professionnel", left, 58, { width }),
  );
  tag("H1", () => doc.moveDown(2).font("bold").fontSize(16).text("Accusé de réception", { width }));
  tag("P", () => doc.font("regular").fontSize(9).text("Article L112-11 du code des relations entre le public et l'administration", { width }));
  doc.moveDown(1).fontSize(10);
  const row = labelledLine(doc, tag, width);
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
  tag("P", () =>
    doc.text(
      `Ce document est signé électroniquement (signature PDF PAdES) par « ${keys.commonName} ». Tout lecteur de PDF affiche et vérifie cette signature ; toute modification du fichier l'invalide. Le certificat de signature est publié à l'adresse /api/v1/receipts/certificate.`,
      { width },
    ),
  );
  end();
  // The room for the signature, in a signature field of the document: filled once the bytes are final.
  pdfkitAddPlaceholder({
    pdf: doc,
    pdfBuffer: Buffer.alloc(0),
    reason: `Accusé de réception ${p.reference}`,
    contactInfo: "",
    name: keys.commonName,
    location: "France",
    signingTime: new Date(p.receivedAt),
    signatureLength: SIGNATURE_ROOM,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
  doc.end();
  return done.then(() => Buffer.concat(chunks));
}

/** Signs the PDF's bytes as a detached CMS (CAdES: signing certificate bound by signing-certificate-v2), as PAdES asks. */
class PlatformSigner extends Signer {
  constructor(private readonly keys: ReceiptKeys) {
    super();
  }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return cmsSignDetached(this.keys, pdfBuffer);
  }
}

/**
 * Renders the receipt and signs it as a PDF signature, PAdES baseline B-B (ETSI EN 319 142-1): a CAdES detached
 * signature over the whole file but the signature itself, with the signing certificate, and the time of receipt as
 * the signature's time. Any PDF reader, or `pdfsig`, shows the signer and checks it.
 */
export async function signedReceipt(payload: ReceiptPayload, keys: ReceiptKeys): Promise<Buffer> {
  const pdf = await renderPdf(payload, keys);
  return new SignPdf().sign(pdf, new PlatformSigner(keys), new Date(payload.receivedAt));
}

export type ReceiptVerdict = { valid: true; payload: ReceiptPayload; signer: string } | { valid: false; reason: string };

/**
 * Checks a receipt file offline with the platform's certificate (or its public key) alone: one PDF signature that
 * covers the whole file, valid, made with that certificate's key; then reads the payload from the signed bytes.
 */
export async function verifyReceipt(file: Buffer, trustedPem: string): Promise<ReceiptVerdict> {
  const trustedKey = trustedPublicKeyDer(trustedPem);
  if (!trustedKey) return { valid: false, reason: "certificat ou clé publique illisible (PEM attendu)" };
  const text = file.toString("latin1");
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length === 0) return { valid: false, reason: "aucune signature : ce n'est pas un accusé de réception de la plateforme, ou elle a été retirée" };
  if (ranges.length > 1) return { valid: false, reason: "signature invalide : le fichier porte plusieurs signatures ou a été modifié après sa signature" };
  const [a, b, c, d] = ranges[0]!.slice(1, 5).map(Number) as [number, number, number, number];
  // The signature must cover every byte but its own: a revision added after it would change what a reader shows.
  if (a !== 0 || b >= c || c + d !== file.length || file[b] !== 0x3c || file[c - 1] !== 0x3e) {
    return { valid: false, reason: "signature invalide : elle ne couvre pas tout le fichier, qui a été modifié après sa signature" };
  }
  const signed = Buffer.concat([file.subarray(0, b), file.subarray(c)]);
  const room = Buffer.from(text.slice(b + 1, c - 1), "hex");
  // The signature, then zeros to the end of its room: anything else there was written after the signature.
  const length = derLength(room);
  if (length <= 0 || room.subarray(length).some((x) => x !== 0)) return { valid: false, reason: "signature invalide : elle est illisible ou a été modifiée" };
  const cms = await cmsVerifyDetached(room.subarray(0, length), signed);
  if (!cms.valid) return { valid: false, reason: "signature invalide : le fichier a été modifié après sa signature" };
  if (!cms.signer.publicKey.export({ type: "spki", format: "der" }).equals(trustedKey)) {
    return { valid: false, reason: `signature invalide : signée par « ${cms.signer.subject.split("\n").reverse().join(", ")} », pas par le certificat fourni` };
  }
  // The document information entry, written by PDFKit as a reference to a string object.
  const ref = new RegExp(`/${PAYLOAD_KEY}\\s+(\\d+)\\s+0\\s+R`).exec(text);
  const payload = ref ? new RegExp(`(?:^|\\s)${ref[1]}\\s+0\\s+obj\\s*\\(([A-Za-z0-9+/=]+)\\)`).exec(text) : null;
  if (!payload) return { valid: false, reason: "contenu signé introuvable : ce n'est pas un accusé de réception de la plateforme" };
  return {
    valid: true,
    payload: JSON.parse(Buffer.from(payload[1]!, "base64").toString("utf8")) as ReceiptPayload,
    signer: cms.signer.subject.split("\n").reverse().join(", "),
  };
}
