import { useCallback, useEffect, useState } from "react";
import { Navigate, useParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { api, ROLE_LABELS, type Company } from "../api";
import { ErrorAlert, FormColumn, Page, useAction } from "../components";
import { serviceLabel, useCatalogue } from "../catalogue";
import { useSession } from "../session";
import { ManageRights } from "./ManageRights";

export function CompanyPage() {
  const { siren = "" } = useParams();
  const { person } = useSession();
  const catalogue = useCatalogue();
  const [company, setCompany] = useState<Company | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const load = useCallback(() => api<Company>("GET", `/api/v1/companies/${siren}`).then(setCompany, setLoadError), [siren]);
  useEffect(() => {
    if (person) void load();
  }, [person, load]);
  const { run, busy, error } = useAction(async () => {
    await api("PUT", `/api/v1/companies/${siren}/email`, { email });
    setSent(true);
    void load();
  });
  if (person === null) return <Navigate to="/connexion" replace />;
  if (loadError) return <Page title="Entreprise"><ErrorAlert error={loadError} /></Page>;
  if (!company) return <Page title="Entreprise">Chargement…</Page>;
  const isMessagerieAdmin = company.myRights.some((r) => r.service === "messagerie" && r.role === "administrator");
  return (
    <Page title={company.name} trail={[{ label: "Mes entreprises", to: "/mon-espace" }]} lead={`SIREN ${company.siren}${company.address ? ` — ${company.address}` : ""}`}>
      <h2>Mes services pour cette entreprise</h2>
      <ul>
        {company.myRights.map((r) => (
          <li key={`${r.service}-${r.role}`}>
            {serviceLabel(catalogue, r.service)} — {ROLE_LABELS[r.role] ?? r.role}
          </li>
        ))}
      </ul>
      <h2 className="fr-mt-4w">Adresse électronique de l'entreprise</h2>
      <p>
        <strong>{company.companyEmail ?? "Aucune adresse vérifiée"}</strong>
      </p>
      {company.pendingCompanyEmail && (
        <Alert
          severity="info"
          small
          description={`Changement en attente : un lien a été envoyé à ${company.pendingCompanyEmail}. L'adresse actuelle reste en vigueur jusqu'à sa confirmation.`}
        />
      )}
      {isMessagerieAdmin && (
        <FormColumn>
          <form onSubmit={(e) => void run(e)} noValidate className="fr-mt-3w">
            <ErrorAlert error={error} />
            {sent && <Alert severity="success" small description="Un lien valable 72 heures a été envoyé à la nouvelle adresse." className="fr-mb-2w" />}
            <Input
              label="Nouvelle adresse électronique de l'entreprise"
              hintText="Elle remplacera l'adresse actuelle une fois confirmée ; l'ancienne adresse et le siège de l'entreprise en seront informés."
              nativeInputProps={{ type: "email", value: email, onChange: (e) => setEmail(e.target.value) }}
            />
            <Button type="submit" priority="secondary" disabled={busy}>
              Changer l'adresse
            </Button>
          </form>
        </FormColumn>
      )}
      {company.myRights.some((r) => r.role === "administrator" || r.role === "deputy") && <ManageRights company={company} />}
    </Page>
  );
}
