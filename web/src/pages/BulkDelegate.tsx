import { useState } from "react";
import { Navigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { api } from "../api";
import { ErrorAlert, fieldErrors, Page, useAction } from "../components";
import { CompanyPicker, type Picked } from "../CompanyPicker";
import { useSession } from "../session";
import { DELEGATION_BUNDLES } from "../catalogue";

/** One bundle for every company: « tous les services » would differ from one company to the next. */
const BUNDLES = DELEGATION_BUNDLES.filter((b) => b.id !== "all");

type Outcome = { siren: string; status: "offered" | "refused"; id?: string; error?: { code: string; message: string } };

/** Bulk delegation (product §14): the same delegation offered on many companies to one person, one offer each. */
export function BulkDelegate() {
  const { person } = useSession();
  const [companies, setCompanies] = useState<Picked[]>([]);
  const [email, setEmail] = useState("");
  const [bundle, setBundle] = useState<string>("tva");
  const [outcomes, setOutcomes] = useState<Outcome[] | undefined>();
  const { run, busy, error } = useAction(async () => {
    const chosen = BUNDLES.find((b) => b.id === bundle)!;
    const r = await api<{ items: Outcome[] }>("POST", "/api/v1/delegations/batch", { email, role: "delegate", services: chosen.services, ...(chosen.taxScope ? { taxScope: chosen.taxScope } : {}), sirens: companies.map((c) => c.siren) });
    setOutcomes(r.items);
  });
  if (person === null) return <Navigate to="/connexion" replace />;
  const fields = fieldErrors(error);
  const name = (siren: string) => companies.find((c) => c.siren === siren)?.name ?? siren;
  return (
    <Page title="Déléguer pour plusieurs entreprises" lead="La même habilitation proposée à une personne pour chacune des entreprises choisies. Chaque proposition est envoyée à part, et chaque entreprise en est avertie ; la personne peut tout accepter d'un coup.">
      <form onSubmit={(e) => void run(e)} noValidate>
        <ErrorAlert error={error && Object.keys(fields).length === 0 ? error : undefined} />
        <CompanyPicker label="Entreprises" hint="Tapez une partie du nom ou le début du SIREN, puis choisissez ; recommencez pour en ajouter (500 au plus)." value={companies} onChange={setCompanies} max={500} {...(fields.sirens ? { error: fields.sirens } : {})} />
        <Input label="Adresse de connexion de la personne" hintText="Elle doit déjà avoir un espace professionnel." nativeInputProps={{ type: "email", value: email, onChange: (e) => setEmail(e.target.value) }} {...(fields.email ? { state: "error" as const, stateRelatedMessage: fields.email } : {})} />
        <Select label="Habilitation" nativeSelectProps={{ value: bundle, onChange: (e) => setBundle(e.target.value) }}>
          {BUNDLES.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </Select>
        <Button type="submit" disabled={busy || companies.length === 0 || !email}>
          {`Proposer l'habilitation pour ${companies.length} entreprise${companies.length > 1 ? "s" : ""}`}
        </Button>
      </form>
      {outcomes && (
        <section aria-labelledby="resultat" className="fr-mt-4w">
          <h2 id="resultat">Résultat</h2>
          <p role="status">
            {outcomes.filter((o) => o.status === "offered").length} proposition(s) envoyée(s), {outcomes.filter((o) => o.status === "refused").length} refusée(s).
          </p>
          <ul>
            {outcomes.map((o) => (
              <li key={o.siren}>
                {name(o.siren)} ({o.siren}) :{" "}
                {o.status === "offered" ? (
                  <Badge small severity="success">
                    proposée
                  </Badge>
                ) : (
                  <>
                    <Badge small severity="error">
                      refusée
                    </Badge>{" "}
                    {o.error?.message}
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}
