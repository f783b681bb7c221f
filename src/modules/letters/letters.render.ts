import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type PDFKitDocument from "pdfkit";
import type * as Fontkit from "fontkit";
import { normalizeLineEndings } from "../../platform/http/text.js";
import { frenchDate } from "../../shared/dates.js";

/** What an activation letter says (product §5). Codes are printed grouped (`XXXX-XXXX-XXXX`). */
export type ActivationLetterFields = {
  companyName: string;
  siren: string;
  requester: { fullName: string; connectionEmail: string; entityName: string; entitySiren: string };
  quality: string;
  services: string[];
  companyEmail: string | null;
  activationCode: string;
  validUntil: string;
  oppositionCode: string;
  oppositionUrl: string;
};

/** What the notice of a company e-mail change says (product §6). */
export type EmailChangeNoticeFields = {
  companyName: string;
  siren: string;
  oldEmail: string | null;
  newEmail: string;
  changedBy: { fullName: string; connectionEmail: string };
  changedAt: string;
};

/** What a letter of the administration says to a company without messagerie (product §16, campaigns). */
export type CorrespondenceLetterFields = {
  companyName: string;
  siren: string;
  service: string;
  /** The sending service's postal address, one line each (letters edited before it was printed have none). */
  serviceAddress?: string[];
  /** The reference of the recipient's own thread. */
  reference?: string;
  tax: string;
  nature: string;
  subject: string;
  body: string;
  replyDueAt: string | null;
};

export type LetterDocument =
  | { kind: "activation"; number: string; editedAt: string; addressLines: string[]; fields: ActivationLetterFields }
  | { kind: "email_change_notice"; number: string; editedAt: string; addressLines: string[]; fields: EmailChangeNoticeFields }
  | { kind: "correspondence"; number: string; editedAt: string; addressLines: string[]; fields: CorrespondenceLetterFields };

/** The State's typeface (Marianne), shipped with the DSFR package: full Unicode, unlike PDF's standard fonts. */
function loadFonts() {
  const require = createRequire(import.meta.url);
  const fontkit = require("fontkit") as typeof Fontkit;
  const dir = join(dirname(require.resolve("@codegouvfr/react-dsfr/package.json")), "dsfr", "fonts");
  // Parsed once and shared by every document: parsing the font per letter would cost more than drawing it.
  const open = (file: string) => withLayoutCache(fontkit.create(readFileSync(join(dir, file))) as unknown as ShapingFont) as unknown as Buffer;
  return { regular: open("Marianne-Regular.woff"), bold: open("Marianne-Bold.woff") };
}
let fonts: ReturnType<typeof loadFonts> | undefined;

type Position = Record<string, number>;
type GlyphRun = { glyphs: unknown[]; positions: Position[] };
type ShapingFont = { layout(text: string, features?: unknown): GlyphRun };

/**
 * Letters repeat the same words; shaping a word (OpenType layout) costs far more than drawing it. This font wraps
 * the shared fontkit font and remembers the shaping of each word. pdfkit scales the positions it receives in
 * place, so every call gets fresh copies of them.
 */
function withLayoutCache(font: ShapingFont): ShapingFont {
  const cache = new Map<string, GlyphRun>();
  const layout = (text: string, features?: unknown): GlyphRun => {
    // Text shaped with named features is text met once (see ONCE): shaped, never kept.
    let run = features === undefined ? cache.get(text) : undefined;
    if (!run) {
      const shaped = font.layout(text, features);
      run = { glyphs: shaped.glyphs, positions: shaped.positions };
      if (features === undefined) {
        // Codes, numbers and addresses are unique words: keep the cache small so that it does not grow with a batch.
        if (cache.size > 5_000) cache.clear();
        cache.set(text, run);
      }
    }
    // pdfkit adds `advanceWidth` to each position: made with it, a position keeps its shape (no second allocation).
    const positions = run.positions.map((p) => ({ xAdvance: p.xAdvance!, yAdvance: p.yAdvance!, xOffset: p.xOffset!, yOffset: p.yOffset!, advanceWidth: 0 }));
    return {
      glyphs: run.glyphs,
      positions,
      get advanceWidth() {
        return positions.reduce((sum, p) => sum + (p.xAdvance ?? 0), 0);
      },
    } as GlyphRun;
  };
  return new Proxy(font, {
    get(target, property, receiver) {
      if (property === "layout") return layout;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const MM = 72 / 25.4;

/**
 * Options for text met once (codes, numbers, e-mail addresses): pdfkit caches the shaping of every word of a
 * document unless features are named, and a print batch of 10,000 letters would keep 10,000 codes in memory.
 */
const ONCE: { features: PDFKit.Mixins.OpenTypeFeatures[] } = { features: ["kern"] };
const parisDate = (iso: string) => frenchDate(iso);

/** pdfkit, loaded at the first document rather than at every start (it weighs a second of start-up). */
let PDFKitModule: typeof PDFKitDocument | undefined;
function pdfkit(): typeof PDFKitDocument {
  PDFKitModule ??= createRequire(import.meta.url)("pdfkit") as typeof PDFKitDocument;
  return PDFKitModule;
}

/** Creates a PDF document for letters, with the fonts registered. */
export function newLetterDocument(accessible?: { title: string }): PDFKit.PDFDocument {
  fonts ??= loadFonts();
  const PDFDocument = pdfkit();
  const doc = new PDFDocument({
    size: "A4",
    margin: 20 * MM,
    autoFirstPage: false,
    info: { Title: accessible?.title ?? "Courrier", Author: "Messagerie Pro" },
    // No default font: pdfkit's (Helvetica) would parse its metrics anew for every document, thousands of objects
    // per letter that no letter uses. The State's typeface is the current font from the start (below).
    font: null as unknown as string,
    // The fonts registered below remember the shaping of every word across documents; pdfkit's own cache, per document, would
    // keep every run of a long document alive (and push it out of V8's young generation) for nothing.
    fontLayoutCache: false,
    // A tagged PDF in French whose reader shows the title, not the file name (PDF/UA): what a screen reader needs.
    ...(accessible ? { tagged: true, lang: "fr-FR", displayTitle: true, pdfVersion: "1.7" as const } : {}),
  });
  doc.registerFont("regular", fonts.regular);
  doc.registerFont("bold", fonts.bold);
  return doc.font("regular");
}

/** Draws one letter on a new A4 page: sender, window-envelope address block, then the body. */
export function drawLetter(doc: PDFKit.PDFDocument, letter: LetterDocument): void {
  doc.addPage();
  const left = 20 * MM;
  const width = 170 * MM;
  doc
    .font("bold")
    .fontSize(10)
    .text("RÉPUBLIQUE FRANÇAISE", left, 15 * MM);
  // The letterhead: the sending service and its postal address for a letter of a service, the platform otherwise.
  const head =
    letter.kind === "correspondence"
      ? ["Direction générale des Finances publiques", letter.fields.service, ...(letter.fields.serviceAddress ?? [])]
      : ["Direction générale des Finances publiques", "Espace professionnel — adhésions aux services en ligne"];
  doc
    .font("regular")
    .fontSize(9)
    .text(head.join("\n"), left, 21 * MM, { width: 85 * MM });

  // Window of a DL envelope (NF Z 10-011): 100 × 45 mm, 20 mm from the right edge, 50 mm from the top.
  doc
    .font("regular")
    .fontSize(10)
    .text(letter.addressLines.join("\n"), 110 * MM, 50 * MM, { width: 90 * MM, lineGap: 1, ...ONCE });

  doc
    .font("regular")
    .fontSize(10)
    .text(`Le ${parisDate(letter.editedAt)}`, left, 100 * MM, { width, align: "right" });
  doc
    .fontSize(8)
    .fillColor("#555")
    .text(`Courrier n° ${letter.number} — SIREN ${letter.fields.siren}`, left, 100 * MM, ONCE);
  doc.fillColor("#000").moveDown(2);
  if (letter.kind === "activation") drawActivation(doc, letter.fields, left, width);
  else if (letter.kind === "correspondence") drawCorrespondence(doc, letter.fields, left, width);
  else drawEmailChangeNotice(doc, letter.fields, left, width);
}

function drawCorrespondence(doc: PDFKit.PDFDocument, f: CorrespondenceLetterFields, left: number, width: number) {
  doc.font("bold").fontSize(12).text(`Objet : ${f.subject}`, left, undefined, { width });
  doc
    .moveDown(0.3)
    .font("regular")
    .fontSize(10)
    .text(`${f.companyName} — SIREN ${f.siren}`, { width, ...ONCE });
  if (f.reference) doc.text(`Référence : ${f.reference}`, { width, ...ONCE });
  doc.moveDown(0.3).fontSize(9).fillColor("#555").text(`${f.tax} — ${f.nature}`, { width });
  doc.fillColor("#000").moveDown(0.8).fontSize(10);
  // Plain text, paragraph by paragraph; line endings normalised (a `\r` would be drawn as a missing glyph).
  for (const [i, paragraph] of normalizeLineEndings(f.body)
    .split(/\n{2,}/)
    .entries()) {
    if (i > 0) doc.moveDown(0.6);
    doc.text(paragraph, { width });
  }
  if (f.replyDueAt) {
    doc
      .moveDown(0.8)
      .font("bold")
      .text(`Réponse attendue au plus tard le ${parisDate(f.replyDueAt)}.`, { width })
      .font("regular");
  }
  doc.moveDown(1).fontSize(9).fillColor("#555");
  doc.text(
    `Votre entreprise n'a pas adhéré à la messagerie sécurisée de l'espace professionnel : ce message vous parvient donc par courrier. Pour répondre, écrivez à : ${[f.service, ...(f.serviceAddress ?? [])].join(", ")}${f.reference ? `, en rappelant la référence ${f.reference}` : ""}. En adhérant à la messagerie, vous recevrez les prochains messages en ligne.`,
    { width },
  );
  doc.fillColor("#000");
}

function drawActivation(doc: PDFKit.PDFDocument, f: ActivationLetterFields, left: number, width: number) {
  doc.font("bold").fontSize(12).text("Objet : code d'activation des services en ligne de votre entreprise", left, undefined, { width });
  doc.moveDown(0.8).font("regular").fontSize(10);
  doc.text(`Madame, Monsieur,`, { width });
  doc.moveDown(0.5);
  doc.text(
    `Une personne a demandé, depuis son espace professionnel, à agir pour le compte de l'entreprise ${f.companyName} (SIREN ${f.siren}). Vérifiez son identité avant de lui remettre le code ci-dessous : il lui donnera accès aux services demandés.`,
    { width },
  );
  doc.moveDown(0.6);
  const row = (label: string, value: string) => {
    doc
      .font("bold")
      .text(`${label} : `, { continued: true, width })
      .font("regular")
      .text(value, { width, ...ONCE });
  };
  row("Demandeur", `${f.requester.fullName} (${f.requester.connectionEmail})`);
  row("Entité du demandeur", `${f.requester.entityName} (SIREN ${f.requester.entitySiren})`);
  row("Qualité déclarée", f.quality);
  row("Services demandés", f.services.join(", "));
  row("Adresse électronique de l'entreprise", f.companyEmail ?? "aucune déclarée");
  if (f.companyEmail) {
    doc.fontSize(9).text("C'est à cette adresse que l'administration écrira à votre entreprise.", { width }).fontSize(10);
  }
  doc.moveDown(0.8);
  const boxTop = doc.y;
  doc
    .rect(left, boxTop, width, 24 * MM)
    .lineWidth(1)
    .stroke();
  doc
    .font("regular")
    .fontSize(10)
    .text("Code d'activation", left + 5 * MM, boxTop + 3 * MM);
  doc
    .font("bold")
    .fontSize(20)
    .text(f.activationCode, left + 5 * MM, boxTop + 8.5 * MM, { characterSpacing: 2, ...ONCE });
  doc
    .font("regular")
    .fontSize(9)
    .text(`Valable jusqu'au ${parisDate(f.validUntil)}. Après 5 saisies erronées, il est annulé.`, left + 5 * MM, boxTop + 17.5 * MM);
  doc.y = boxTop + 28 * MM;
  doc.x = left;
  doc.font("bold").fontSize(11).text("Vous n'êtes pas à l'origine de cette demande, ou vous ne connaissez pas cette personne ?", left, undefined, { width });
  doc.moveDown(0.3).font("regular").fontSize(10);
  doc.text(
    `Rendez-vous sur ${f.oppositionUrl} et saisissez votre SIREN et le code d'opposition ci-dessous : la demande sera annulée et personne n'aura accès à votre entreprise. Votre service des impôts en sera informé.`,
    { width },
  );
  doc
    .moveDown(0.4)
    .font("bold")
    .fontSize(14)
    .text(`Code d'opposition : ${f.oppositionCode}`, { width, characterSpacing: 1, ...ONCE });
  doc
    .moveDown(1)
    .font("regular")
    .fontSize(8)
    .fillColor("#555")
    .text("Ne communiquez jamais ces codes par téléphone ou par courriel : l'administration ne vous les demandera pas.", { width });
  doc.fillColor("#000");
}

function drawEmailChangeNotice(doc: PDFKit.PDFDocument, f: EmailChangeNoticeFields, left: number, width: number) {
  doc.font("bold").fontSize(12).text("Objet : changement de l'adresse électronique de votre entreprise", left, undefined, { width });
  doc.moveDown(0.8).font("regular").fontSize(10);
  doc.text("Madame, Monsieur,", { width });
  doc.moveDown(0.5);
  doc.text(
    `L'adresse électronique de l'entreprise ${f.companyName} (SIREN ${f.siren}) a été changée le ${parisDate(f.changedAt)} par ${f.changedBy.fullName} (${f.changedBy.connectionEmail}).`,
    { width },
  );
  doc.moveDown(0.5);
  doc
    .font("bold")
    .text("Ancienne adresse : ", { continued: true })
    .font("regular")
    .text(f.oldEmail ?? "aucune");
  doc.font("bold").text("Nouvelle adresse : ", { continued: true }).font("regular").text(f.newEmail);
  doc.moveDown(0.5);
  doc.text(
    "C'est désormais à cette adresse que l'administration écrira à votre entreprise. Si vous n'êtes pas à l'origine de ce changement, contactez votre service des impôts des entreprises.",
    { width },
  );
}

/** One letter as a one-page PDF. */
export async function renderLetterPdf(letter: LetterDocument): Promise<Buffer> {
  const doc = newLetterDocument();
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  drawLetter(doc, letter);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
