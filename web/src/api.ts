/** The error body of every API failure (api.md). */
export type ApiErrorBody = { error: { code: string; message: string; requestId: string; details?: Record<string, unknown> } };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let agentCsrfToken: string | undefined;

/** Remembers the CSRF token returned by sign-in or GET /session; sent with every state-changing call. */
export function setCsrfToken(token: string | undefined) {
  csrfToken = token;
}

/** The same for the back-office session (its own token, sent with the calls under /api/v1/backoffice/). */
export function setAgentCsrfToken(token: string | undefined) {
  agentCsrfToken = token;
}

/** The back office has its own session, hence its own CSRF token. */
const csrfFor = (path: string) => (path.startsWith("/api/v1/backoffice/") ? agentCsrfToken : csrfToken);

/** Calls the public API of api.md; throws ApiError with the server's coded message. */
export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = csrfFor(path);
  if (method !== "GET" && token) headers["X-CSRF-Token"] = token;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network_error", "Le service est injoignable. Vérifiez votre connexion puis réessayez.", undefined, undefined);
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    throw new ApiError(response.status, e?.code ?? "unknown_error", e?.message ?? `Erreur ${response.status}.`, e?.requestId, e?.details);
  }
  return data as T;
}

/** Sends a multipart form (a CSV file and fields) to the API, with the CSRF token; throws ApiError. */
export async function apiForm<T>(path: string, form: FormData, headers: Record<string, string> = {}): Promise<T> {
  const token = csrfFor(path);
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", headers: { Accept: "application/json", ...(token ? { "X-CSRF-Token": token } : {}), ...headers }, body: form, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network_error", "Le service est injoignable. Vérifiez votre connexion puis réessayez.", undefined, undefined);
  }
  const data = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const e = (data as ApiErrorBody | undefined)?.error;
    throw new ApiError(response.status, e?.code ?? "unknown_error", e?.message ?? `Erreur ${response.status}.`, e?.requestId, e?.details);
  }
  return data as T;
}

export type Person = { id: string; firstName: string; lastName: string; connectionEmail: string; subscriberNumber: string };
export type Agent = { id: string; email: string; name: string; isSupervisor: boolean; services: { code: string; name: string; type: string }[] };

export type Service = { code: string; label: string; taxes: string[] | null };
export type AdhesionStatus = "awaiting_company_email" | "letter_issued" | "active" | "cancelled" | "opposed" | "expired" | "voided";
export type Adhesion = {
  id: string;
  siren: string;
  companyName: string;
  origin: "simplified" | "expert";
  quality: "legal_representative" | "mandated";
  services: string[];
  declaredCompanyEmail: string | null;
  status: AdhesionStatus;
  createdAt: string;
  letterIssuedAt: string | null;
  codeExpiresAt: string | null;
  attemptsLeft: number | null;
  activatedAt: string | null;
  endedAt: string | null;
  letters: { number: string; status: string; editedAt: string; postedAt: string | null }[];
};
export type Company = {
  siren: string;
  name: string;
  address: string | null;
  companyEmail: string | null;
  pendingCompanyEmail?: string | null;
  myRights: { service: string; role: string; taxScope: string[] | null; state: string; validUntil: string | null }[];
};

/** A line of « mes entreprises » (GET /api/v1/companies). */
export type PortfolioCompany = {
  siren: string;
  name: string;
  address: string | null;
  companyEmail: string | null;
  rights: Company["myRights"];
  myRights: Company["myRights"];
  unreadCount: number;
  openRequests: number;
  lastActivityAt: string | null;
  pendingAdhesions: number;
};

/** Paris date and time: « 28 novembre 2026 à 10:24 », or compact « 28 nov. 2026, 10:24 » (back-office lists). */
export const frenchDateTime = (iso: string, compact = false) =>
  new Date(iso).toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: compact ? "medium" : "long", timeStyle: "short" });

/** Paris date, long form: « 28 novembre 2026 ». */
export const frenchDate = (iso: string) => new Date(iso).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" });

export const ROLE_LABELS: Record<string, string> = { administrator: "administrateur", deputy: "administrateur suppléant", delegate: "délégataire" };
export const QUALITY_LABELS: Record<string, string> = { legal_representative: "représentant légal", mandated: "personne mandatée" };

export type Delegation = {
  id: string;
  siren: string;
  companyName: string;
  direction: "received" | "given";
  from: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  to: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  role: "deputy" | "delegate";
  services: string[];
  taxScope: string[] | null;
  validUntil: string | null;
  status: string;
  rightsState: "active" | "suspended" | "revoked" | null;
  createdAt: string;
  expiresAt: string;
};

export type Representative = {
  person: { firstName: string; lastName: string; connectionEmail: string; entitySiren: string };
  rights: { id: string; service: string; role: string; taxScope: string[] | null; state: string; since: string; validUntil: string | null; grantedBy: string | null; revocable: boolean }[];
  lastActivityAt: string | null;
};

export type RequestSummary = {
  id: string;
  reference: string;
  siren: string;
  companyName: string;
  tax: string;
  nature: string;
  subject: string;
  status: "received" | "in_progress" | "awaiting_user" | "answered" | "closed";
  service: { code: string; name: string };
  receivedAt: string;
  lastActivityAt: string;
  unreadCount: number;
};
export type Attachment = { id: string; name: string; size: number; mediaType: string; sha256: string };
export type Message = {
  id: string;
  author: { kind: "person" | "agent" | "system"; displayName: string };
  body: string;
  attachments: Attachment[];
  createdAt: string;
  readByCompanyAt: string | null;
  readByAdministrationAt: string | null;
};
export type RequestDetail = RequestSummary & {
  deadlines: { firstAnswer: string; legal: string | null };
  messages: Message[];
  /** For the company's administrators: which service opened the request, and when. */
  openings?: { service: { code: string; name: string }; openedAt: string }[];
};
export type Uploaded = { uploadId: string; name: string; size: number; mediaType: string; sha256: string };

export const REQUEST_STATUS_LABELS: Record<RequestSummary["status"], string> = {
  received: "Reçue",
  in_progress: "En cours de traitement",
  awaiting_user: "En attente de votre réponse",
  answered: "Traitée",
  closed: "Clôturée",
};
export const TAXES: { code: string; label: string }[] = [
  { code: "TVA", label: "TVA" },
  { code: "IS", label: "Impôt sur les sociétés" },
  { code: "CFE-CVAE", label: "CFE-CVAE" },
  { code: "TS", label: "Taxe sur les salaires" },
  { code: "PAS", label: "Prélèvement à la source" },
  { code: "BIC-BNC", label: "BIC-BNC" },
  { code: "TF", label: "Taxes foncières" },
  { code: "AUTRE", label: "Autre" },
];
export const NATURES: { code: string; label: string; onlyFor?: string }[] = [
  { code: "reclamation", label: "Je formule une réclamation" },
  { code: "question", label: "Je pose une question" },
  { code: "delai_paiement", label: "Je demande un délai de paiement" },
  { code: "remboursement_credit_tva", label: "Je demande le remboursement d'un crédit de TVA", onlyFor: "TVA" },
  { code: "attestation", label: "Je demande une attestation" },
  { code: "changement_situation", label: "Je signale un changement" },
  { code: "autre", label: "Autre demande" },
];

/**
 * Uploads one file with progress (XMLHttpRequest reports upload progress; fetch does not), to the company side's
 * upload route or to the back office's.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void, path: "/api/v1/uploads" | "/api/v1/backoffice/uploads" = "/api/v1/uploads"): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    const csrf = csrfFor(path);
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const data = (() => {
        try {
          return JSON.parse(xhr.responseText) as unknown;
        } catch {
          return undefined;
        }
      })();
      if (xhr.status === 201) resolve(data as Uploaded);
      else {
        const e = (data as ApiErrorBody | undefined)?.error;
        reject(new ApiError(xhr.status, e?.code ?? "upload_failed", e?.message ?? `Envoi impossible (${xhr.status}).`, e?.requestId, e?.details));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "Le service est injoignable. Vérifiez votre connexion puis réessayez.", undefined, undefined));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

export type AdhesionBatch = {
  id: string;
  status: "running" | "done";
  quality: "legal_representative" | "mandated";
  services: string[];
  total: number;
  done: number;
  created: number;
  refused: number;
  createdAt: string;
  finishedAt: string | null;
  items: { line: number; siren: string; companyName: string | null; status: "pending" | "created" | "refused"; adhesionId: string | null; error: { code: string; message: string } | null }[];
};
export type ExportJob = { id: string; status: "running" | "ready" | "failed"; progress: number; requests: number; size: number | null; createdAt: string; expiresAt: string | null };
