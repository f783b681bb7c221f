import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { ErrorAlert, Page } from "../../shared/components/page";
import { useDevLetters } from "./queries";
import { frenchDate } from "../../shared/api/types";

const FIELD_LABELS: Record<string, string> = {
  activationCode: "Code d'activation",
  oppositionCode: "Code d'opposition",
  validUntil: "Valable jusqu'au",
  requester: "Demandeur",
  quality: "Qualité déclarée",
  services: "Services demandés",
  companyEmail: "Adresse électronique de l'entreprise",
  companyName: "Entreprise",
  siren: "SIREN",
  oppositionUrl: "Page d'opposition",
  oldEmail: "Ancienne adresse",
  newEmail: "Nouvelle adresse",
  changedBy: "Changée par",
  changedAt: "Le",
};

function show(v: unknown): string {
  if (Array.isArray(v)) return v.join(", ");
  if (v && typeof v === "object")
    return Object.values(v as Record<string, unknown>)
      .filter(Boolean)
      .join(" — ");
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v)) return frenchDate(v);
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

export function DevLetters() {
  const { data: items, error } = useDevLetters();
  return (
    <Page title="Courriers de test" lead="Environnement de développement : les courriers édités par la plateforme sont conservés ici au lieu d'être imprimés.">
      <ErrorAlert error={error} />
      {items && items.length === 0 && <Alert severity="info" small description="Aucun courrier." />}
      {items?.map((l) => (
        <article key={l.id} className="fr-card fr-p-3w fr-mb-3w">
          <h2 className="fr-h5">
            Courrier n° {l.number} {l.kind === "activation" ? "d'activation" : "de changement d'adresse"} — SIREN {l.siren} ({l.status})
          </h2>
          <address style={{ whiteSpace: "pre-line" }}>{l.addressLines.join("\n")}</address>
          <dl>
            {Object.entries(l.fields).map(([k, v]) => (
              <div key={k} data-field={k}>
                <dt className="fr-text--bold">{FIELD_LABELS[k] ?? k}</dt>
                <dd>{show(v)}</dd>
              </div>
            ))}
          </dl>
          {l.pdfUrl && (
            <a className="fr-link fr-icon-download-line fr-link--icon-left" href={l.pdfUrl}>
              PDF du courrier
            </a>
          )}
        </article>
      ))}
    </Page>
  );
}
