import { useState, type FormEvent } from "react";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { frenchDateTime } from "../../shared/api/types";
import { ErrorAlert, Page } from "../../shared/components/page";
import { useDevMails } from "./queries";

export function DevMail() {
  const [filter, setFilter] = useState("");
  const [applied, setApplied] = useState("");
  // Read again every 3 seconds: a mail sent meanwhile shows up by itself.
  const { data: items, error } = useDevMails(applied);

  function submit(e: FormEvent) {
    e.preventDefault();
    setApplied(filter.trim());
  }

  return (
    <Page title="Courriels de test" lead="Environnement de développement : les courriels envoyés par la plateforme sont conservés ici au lieu de partir.">
      <form onSubmit={submit} className="fr-mb-4w" role="search">
        <Input label="Destinataire" nativeInputProps={{ type: "email", value: filter, onChange: (e) => setFilter(e.target.value) }} />
        <Button type="submit" priority="secondary">
          Filtrer
        </Button>
      </form>
      <ErrorAlert error={error} />
      {items && items.length === 0 && <Alert severity="info" small description="Aucun courriel." />}
      {items?.map((m) => (
        <article key={m.id} className="fr-card fr-p-3w fr-mb-3w" aria-labelledby={`mail-${m.id}`}>
          <h2 id={`mail-${m.id}`} className="fr-h5">
            {m.subject}
          </h2>
          <p className="fr-text--sm fr-mb-1w">
            À : <strong>{m.to}</strong> — {frenchDateTime(m.sentAt)}
          </p>
          <pre className="fr-text--sm" style={{ whiteSpace: "pre-wrap" }}>
            {m.text}
          </pre>
        </article>
      ))}
    </Page>
  );
}
