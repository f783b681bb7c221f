/**
 * The fields of the API named as the forms label them: an error says « Champ « Objet » », never « subject » nor
 * « replyDueAt » (a person reads the message, not the schema). A field without a label here keeps its name.
 */
const FIELD_LABELS: Record<string, string> = {
  subject: "Objet",
  body: "Message",
  tax: "Impôt",
  nature: "Nature",
  siren: "SIREN",
  uploadIds: "Pièces jointes",
  replyDueAt: "Réponse attendue au plus tard le",
  publishAt: "Publication différée",
  acknowledgementRequired: "Accusé de réception demandé",
  repliesAllowed: "L'entreprise peut répondre",
  from: "Du",
  to: "Au (inclus)",
  reason: "Motif",
  serviceCode: "Service destinataire",
  agentId: "Attribuer à un collègue",
  version: "Version de la demande",
  title: "Titre",
  note: "Note",
  receivedAt: "Reçue le",
  service: "Service",
  file: "Fichier des SIREN (CSV)",
  origin: "Origine",
  sort: "Trier par",
  order: "Ordre",
  status: "État",
  assignee: "Attribution",
  q: "Recherche",
};

/** The label of a field (its path in the body, query or parameters), as the form shows it. */
export function fieldLabel(path: (string | number | symbol)[]): string {
  const named = path.filter((p): p is string => typeof p === "string" && !/^\d+$/.test(p));
  if (named.length === 0) return "";
  const first = FIELD_LABELS[named[0]!];
  return first && named.length === 1 ? first : named.map((p) => FIELD_LABELS[p] ?? p).join(" › ");
}
