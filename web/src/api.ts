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

/** Remembers the CSRF token returned by sign-in or GET /session; sent with every state-changing call. */
export function setCsrfToken(token: string | undefined) {
  csrfToken = token;
}

/** Calls the public API of api.md; throws ApiError with the server's coded message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
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

/** Paris date, long form: « 28 novembre 2026 ». */
export const frenchDate = (iso: string) => new Date(iso).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" });

export const ROLE_LABELS: Record<string, string> = { administrator: "administrateur", deputy: "administrateur suppléant", delegate: "délégataire" };
export const QUALITY_LABELS: Record<string, string> = { legal_representative: "représentant légal", mandated: "personne mandatée" };

export type Delegation = {
  id: string;
  siren: string;
  companyName: string;
  direction: "received" | "given";
  from: { firstName: string; lastName: string; connectionEmail: string };
  to: { firstName: string; lastName: string; connectionEmail: string };
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
