import { useState } from "react";
import { Navigate, useParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { client, ok } from "../../shared/api/client";
import { ROLE_LABELS } from "../../shared/api/types";
import { ErrorAlert, FormColumn, Page, useAction } from "../../shared/components/page";
import { serviceLabel, useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { ManageRights } from "../rights/ManageRights";
import { companyKeys, useCompanyDetail } from "./queries";

export function CompanyPage() {
  const { siren = "" } = useParams();
  const { person } = useSession();
  const catalogue = useCatalogue();
  const detail = useCompanyDetail(siren, Boolean(person));
  const company = detail.data;
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { run, busy, error } = useAction(async () => {
    await ok(client.PUT("/api/v1/companies/{siren}/email", { params: { path: { siren } }, body: { email } }));
    setSent(true);
  }, [companyKeys.detail(siren)]);
  if (person === null) return <Navigate to="/connexion" replace />;
  if (detail.error)
    return (
      <Page title="Entreprise">
        <ErrorAlert error={detail.error} />
      </Page>
    );
  if (!company) return <Page title="Entreprise">Chargement…</Page>;
  const isMessagerieAdmin = company.myRights.some((r) => r.service === "messagerie" && r.role === "administrator");
  return (
    <Page
      title={company.name}
      trail={[{ label: "Mes entreprises", to: "/mon-espace" }]}
      lead={`SIREN ${company.siren}${company.address ? ` — ${company.address}` : ""}`}
    >
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
