/**
 * The transcript of a request as a PDF: the one renderer of the company side's signed export and of the agents'
 * printable transcript (product §14, §18). The agents' version names the agents, and adds the internal notes (in a
 * section of their own, marked internal) and the timeline.
 */
import { normalizeLineEndings } from "../../platform/http/text.js";
import { appendJournal } from "../journal/index.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { newLetterDocument } from "../letters/index.js";
import { AGENT_REQUEST_STATUS_LABELS, natureLabel } from "../../shared/labels.js";
import { describeTimelineStep, receivedByPost } from "../../shared/timeline.js";
import * as repo from "./requests.repository.js";
import { TAX_LABELS } from "./requests.catalogue.js";
import { STATUS_LABELS } from "./requests.states.js";
import { documentStructure, labelledLine, type Tag } from "./requests.tagged-pdf.js";
import type { AgentScope } from "./requests.queue.js";
import { timelineForAgent, type TimelineItem } from "./requests.timeline.js";
import { notFound, type RequestsDeps } from "./requests.service.js";
import { serviceNames, threadOf, type MessageView } from "./requests.views.js";
import { frenchDate } from "../../shared/dates.js";

export const parisDateTime = (d: Date) => frenchDate(d, { time: true });

export type TranscriptHead = repo.RequestRow & { companyName: string; serviceName: string; acknowledgedByName: string | null };

/** What the agents' version adds: who prints it, the internal notes and the timeline. */
export type AgentTranscriptExtras = {
  printedBy: string;
  printedAt: Date;
  notes: { author: string; at: Date; body: string }[];
  timeline: TimelineItem[];
};

/** Draws a text paragraph by paragraph (blank lines between paragraphs kept as space; line endings normalised). */
function paragraphs(doc: PDFKit.PDFDocument, tag: Tag, text: string, width: number) {
  for (const [i, paragraph] of normalizeLineEndings(text)
    .split(/\n\s*\n/)
    .entries()) {
    if (i > 0) doc.moveDown(0.5);
    tag("P", () => doc.text(paragraph, { width }));
  }
}

/** The transcript of a thread: every message with its author, date and read marks, and the request's states. */
export function transcriptPdf(r: TranscriptHead, messages: MessageView[], agentSide?: AgentTranscriptExtras): Promise<Buffer> {
  // A tagged PDF in French with its title (read aloud by a screen reader).
  const doc = newLetterDocument({ title: agentSide ? `Transcription ${r.reference}` : `Échanges ${r.reference}` });
  doc.info.CreationDate = agentSide?.printedAt ?? r.received_at;
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const width = 483;
  const { tag, end } = documentStructure(doc);
  const heading = (text: string) => tag("H2", () => doc.moveDown(1.2).font("bold").fontSize(12).text(text, { width }).moveDown(0.3));
  doc.addPage();
  tag("P", () => doc.font("bold").fontSize(10).text("RÉPUBLIQUE FRANÇAISE — messagerie sécurisée de l'espace professionnel", 56, 42, { width }));
  if (agentSide) {
    tag("P", () =>
      doc
        .font("regular")
        .fontSize(9)
        .text(`Transcription pour usage interne, imprimée le ${parisDateTime(agentSide.printedAt)} (heure de Paris) par ${agentSide.printedBy}`, { width }),
    );
  }
  tag("H1", () => doc.moveDown(1).font("bold").fontSize(15).text(`${r.reference} — ${r.subject}`, { width }));
  doc.moveDown(0.5).font("regular").fontSize(10);
  const line = labelledLine(doc, tag, width);
  line("Service", r.serviceName);
  line("Entreprise", `${r.companyName} — SIREN ${r.siren}`);
  line("Référence", r.reference);
  line("Objet", r.subject);
  line("Impôt", TAX_LABELS[r.tax] ?? r.tax);
  line("Nature", natureLabel(r.nature));
  if (r.origin === "administration") {
    line("Origine", r.campaign_id ? "message de l'administration (campagne)" : "message de l'administration");
    line("Publié le", `${parisDateTime(r.received_at)} (heure de Paris)`);
    if (r.acknowledgement_required) {
      line(
        "Accusé de réception",
        r.acknowledged_at ? `le ${parisDateTime(r.acknowledged_at)} (heure de Paris), par ${r.acknowledgedByName ?? "?"}` : "demandé, non donné",
      );
    }
    if (r.reply_due_at) line("Réponse attendue avant le", parisDateTime(r.reply_due_at));
  } else {
    line("Reçue le", `${parisDateTime(r.received_at)} (heure de Paris)`);
  }
  if (r.first_answer_at) line("Première réponse le", parisDateTime(r.first_answer_at));
  if (r.answered_at) line("Traitée le", parisDateTime(r.answered_at));
  if (r.closed_at) line("Clôturée le", parisDateTime(r.closed_at));
  line("Dernière activité le", parisDateTime(r.last_activity_at));
  line("État", agentSide ? AGENT_REQUEST_STATUS_LABELS[r.status] : STATUS_LABELS[r.status]);

  if (agentSide) heading("Échanges");
  for (const m of messages) {
    tag("H3", () =>
      doc
        .moveDown(1)
        .font("bold")
        .fontSize(10)
        .text(`${m.author.displayName} — ${parisDateTime(m.createdAt)}`, { width }),
    );
    if (m.paper) {
      const by = m.paper.recordedBy ? ` — enregistré par ${m.paper.recordedBy}` : "";
      const received = receivedByPost(m.paper.receivedOn);
      tag("P", () => doc.font("bold").fontSize(9).text(`${received}${by}`, { width }));
    }
    const marks = [
      m.readByCompanyAt ? `lu par l'entreprise le ${parisDateTime(m.readByCompanyAt)}` : null,
      m.readByAdministrationAt ? `lu par l'administration le ${parisDateTime(m.readByAdministrationAt)}` : null,
    ].filter(Boolean);
    if (marks.length) tag("P", () => doc.font("regular").fontSize(8).fillColor("#555").text(marks.join(" ; "), { width }).fillColor("black"));
    doc.font("regular").fontSize(10);
    paragraphs(doc, tag, m.body, width);
    for (const a of m.attachments)
      tag("P", () => doc.fontSize(8).text(`Pièce jointe : ${a.name} (${a.size} octets, SHA-256 ${a.sha256})`, { width, features: ["kern"] }));
  }

  if (agentSide) {
    heading("Notes internes — réservées aux agents, à ne pas communiquer à l'entreprise");
    if (agentSide.notes.length === 0) tag("P", () => doc.font("regular").fontSize(10).text("Aucune note.", { width }));
    for (const n of agentSide.notes) {
      tag("H3", () =>
        doc
          .moveDown(0.6)
          .font("bold")
          .fontSize(10)
          .text(`Note interne de ${n.author} — ${parisDateTime(n.at)}`, { width }),
      );
      doc.font("regular").fontSize(10);
      paragraphs(doc, tag, n.body, width);
    }
    heading("Chronologie");
    doc.font("regular").fontSize(9);
    for (const i of agentSide.timeline) {
      tag("P", () => doc.text(`${parisDateTime(i.at)} — ${describeTimelineStep(i, (at) => parisDateTime(new Date(at)))}`, { width }));
    }
  }
  end();
  doc.end();
  return done;
}

/**
 * The printable transcript of a request for an agent of its service (404 otherwise): the agents' names, the
 * internal notes and the timeline. Each download is journaled.
 */
export async function transcriptForAgent(deps: RequestsDeps, agent: AgentScope, id: string): Promise<{ reference: string; pdf: Buffer }> {
  const now = deps.clock.now();
  const r = await repo.findRequest(deps.db, id);
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  const [messages, notes, timeline, companies, services, acknowledgedBy] = await Promise.all([
    threadOf(deps.db, r, "agent"),
    repo.notesOf(deps.db, id),
    timelineForAgent(deps, agent, id),
    getCompanies(deps.db, [r.siren]),
    serviceNames(deps.db, [r.service_code]),
    r.acknowledged_by ? getSpaces(deps.db, [r.acknowledged_by]) : Promise.resolve([]),
  ]);
  const agentIds = [...new Set([agent.id, ...notes.map((n) => n.agent_id)])];
  const names = new Map((await deps.db.selectFrom("agents").select(["id", "name"]).where("id", "in", agentIds).execute()).map((a) => [a.id, a.name]));
  const person = acknowledgedBy[0];
  const pdf = await transcriptPdf(
    {
      ...r,
      companyName: companies.get(r.siren)?.name ?? r.siren,
      serviceName: services.get(r.service_code) ?? r.service_code,
      acknowledgedByName: person ? `${person.first_name} ${person.last_name}` : null,
    },
    messages,
    {
      printedBy: names.get(agent.id) ?? "",
      printedAt: now,
      notes: notes.map((n) => ({ author: names.get(n.agent_id) ?? n.service_code, at: n.created_at, body: n.body })),
      timeline,
    },
  );
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.transcript_downloaded",
      subject: { type: "request", id },
      data: { reference: r.reference, service: r.service_code },
    }),
  );
  return { reference: r.reference, pdf };
}
