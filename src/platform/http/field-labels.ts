/**
 * The fields of the API named as the forms label them: an error says « Champ « Objet » », never « subject » nor
 * « replyDueAt » (a person reads the message, not the schema). Every field of the published operations has its
 * label here (test/routes/contract.test.ts checks it); a field without one would keep its name.
 */
export const FIELD_LABELS: Record<string, string> = {
  subject: "Objet",
  body: "Message",
  tax: "Impôt",
  nature: "Nature",
  siren: "SIREN",
  sirens: "SIREN",
  uploadIds: "Pièces jointes",
  replyDueAt: "Réponse attendue au plus tard le",
  publishAt: "Publication différée",
  acknowledgementRequired: "Accusé de réception demandé",
  repliesAllowed: "L'entreprise peut répondre",
  from: "Date de début",
  to: "Date de fin",
  reason: "Motif",
  serviceCode: "Service destinataire",
  agentId: "Attribuer à un collègue",
  version: "Version de la demande",
  title: "Titre",
  note: "Note",
  receivedAt: "Reçue le",
  service: "Service",
  services: "Services",
  file: "Fichier des SIREN (CSV)",
  origin: "Origine",
  sort: "Trier par",
  order: "Ordre",
  status: "État",
  state: "État",
  assignee: "Attribution",
  q: "Recherche",
  // Spaces, sign-in, codes and links.
  mode: "Mode",
  email: "Adresse électronique",
  connectionEmail: "Adresse électronique de connexion",
  companyEmail: "Adresse électronique de l'entreprise",
  password: "Mot de passe",
  firstName: "Prénom",
  lastName: "Nom",
  phone: "Téléphone",
  code: "Code",
  oppositionCode: "Code d'opposition",
  token: "Lien",
  totp: "Code de votre application d'authentification",
  // Adhesions, rights, teams, software.
  quality: "Votre qualité",
  role: "Rôle",
  taxScope: "Impôts couverts par la messagerie",
  validUntil: "Date de fin de l'habilitation",
  filter: "Sélection",
  grant: "Habilitation",
  ids: "Habilitations",
  grantorSpaceId: "Personne qui propose",
  personId: "Personne",
  name: "Nom",
  decision: "Décision",
  companies: "Entreprises",
  // Lists.
  direction: "Sens",
  pending: "En attente seulement",
  archived: "Archivées",
  unread: "Non lus seulement",
  hasUnread: "Avec des messages non lus",
  pendingAdhesion: "Avec une adhésion en attente",
  followedBy: "Suivies par",
  overdue: "En retard",
  dueSoon: "Bientôt dues",
  waiting: "En attente de",
  purpose: "Usage",
  cursor: "Page suivante",
  limit: "Nombre par page",
  // The back office.
  action: "Action",
  items: "Demandes",
  query: "Filtres",
  typing: "Saisie en cours",
  // Identifiers in the address.
  id: "Identifiant",
  rightId: "Habilitation",
  grantId: "Autorisation",
  uid: "Autorisation",
  "idempotency-key": "En-tête Idempotency-Key",
};

/** The label of a field (its path in the body, query or parameters), as the form shows it. */
export function fieldLabel(path: (string | number | symbol)[]): string {
  const named = path.filter((p): p is string => typeof p === "string" && !/^\d+$/.test(p));
  if (named.length === 0) return "";
  const first = FIELD_LABELS[named[0]!];
  return first && named.length === 1 ? first : named.map((p) => FIELD_LABELS[p] ?? p).join(" › ");
}
