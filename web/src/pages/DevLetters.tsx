import { useEffect, useState } from "react";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { api } from "../api";
import { ErrorAlert, Page } from "../components";

type Letter = { id: string; siren: string; kind: string; addressLines: string[]; fields: Record<string, unknown>; editedAt: string; pdfUrl: string | null };

export function DevLetters() {
  const [items, setItems] = useState<Letter[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api<{ items: Letter[] }>("GET", "/api/v1/dev/letters").then((r) => setItems(r.items), setError);
  }, []);
  return (
    <Page title="Courriers de test" lead="Environnement de développement : les courriers édités par la plateforme sont conservés ici au lieu d'être imprimés.">
      <ErrorAlert error={error} />
      {items && items.length === 0 && <Alert severity="info" small description="Aucun courrier." />}
      {items?.map((l) => (
        <article key={l.id} className="fr-card fr-p-3w fr-mb-3w">
          <h2 className="fr-h5">
            Courrier {l.kind === "activation" ? "d'activation" : "de changement d'adresse"} — SIREN {l.siren}
          </h2>
          <address style={{ whiteSpace: "pre-line" }}>{l.addressLines.join("\n")}</address>
          <dl>
            {Object.entries(l.fields).map(([k, v]) => (
              <div key={k}>
                <dt className="fr-text--bold">{k}</dt>
                <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
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
