import { useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { client, ok } from "../../shared/api/client";
import type { Reply, ServiceCode } from "../../shared/api/types";
import { capitalised, Page, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { type Picked } from "../../shared/components/CompanyPicker";
import { useSession } from "../../shared/session";
import { DELEGATION_BUNDLES } from "../../shared/catalogue";
import { portfolioFiltersOf, usePortfolio } from "../portfolio/queries";
import { rightsChanges } from "./queries";
import { parseSirens } from "../../shared/sirens";
import { BulkOutcomes, CompaniesChoice, companiesProblem, type Mode } from "./BulkDelegateParts";

/** One bundle for every company: « tous les services » would differ from one company to the next. */
const BUNDLES = DELEGATION_BUNDLES.filter((b) => b.id !== "all");
const MAX = 500;

/** The filters of « Mes entreprises » without the mark of a selection handed over. */
function backToPortfolio(params: URLSearchParams): string {
  const p = new URLSearchParams(params);
  p.delete("selection");
  return p.toString();
}

type Outcome = Reply<"/api/v1/delegations/batch", "post">["items"][number];

/**
 * Bulk delegation (product §14, §19): the same delegation offered to one person on many companies, one offer each —
 * the selection of « Mes entreprises » (its filters, resolved by the server), a pasted list of SIREN, or companies
 * picked one by one.
 */
export function BulkDelegate() {
  const { person } = useSession();
  const [params] = useSearchParams();
  const fromSelection = params.get("selection") === "1";
  const filters = { ...portfolioFiltersOf(params), sort: "name" };
  const selection = usePortfolio(filters);
  const [mode, setMode] = useState<Mode>(fromSelection ? "selection" : "pasted");
  const [companies, setCompanies] = useState<Picked[]>([]);
  const [pasted, setPasted] = useState("");
  const [email, setEmail] = useState("");
  const [bundle, setBundle] = useState<string>("tva");
  const [outcomes, setOutcomes] = useState<Outcome[] | undefined>();
  const parsed = parseSirens(pasted);
  const count = mode === "selection" ? (selection.total ?? 0) : mode === "pasted" ? parsed.sirens.length : companies.length;
  const { run, busy, error } = useAction(async () => {
    // The button stays enabled: what is missing is named in the error summary, which takes the focus.
    refuseFields({
      sirens: companiesProblem(mode, count, MAX, parsed),
      email: !email.trim() && "saisissez l'adresse de connexion de la personne.",
    });
    const chosen = BUNDLES.find((b) => b.id === bundle)!;
    const which =
      mode === "selection"
        ? {
            filter: {
              ...(filters.q ? { q: filters.q } : {}),
              ...(filters.service ? { service: filters.service as ServiceCode } : {}),
              ...(filters.role ? { role: filters.role as "administrator" | "deputy" | "delegate" } : {}),
              ...(filters.hasUnread ? { hasUnread: true } : {}),
              ...(filters.pendingAdhesion ? { pendingAdhesion: true } : {}),
            },
          }
        : { sirens: mode === "pasted" ? parsed.sirens : companies.map((c) => c.siren) };
    const r = await ok(
      client.POST("/api/v1/delegations/batch", {
        body: {
          email,
          role: "delegate",
          services: [...chosen.services] as ServiceCode[],
          ...(chosen.taxScope ? { taxScope: [...chosen.taxScope] } : {}),
          ...which,
        },
      }),
    );
    setOutcomes(r.items);
  }, rightsChanges);
  const companiesLabel = mode === "pasted" ? "SIREN des entreprises" : "Entreprises";
  const errors = useFormErrors(
    error,
    { sirens: companiesLabel, filter: companiesLabel, email: "Adresse de connexion de la personne", services: "Habilitation" },
    {},
    { ids: { sirens: "delegation-entreprises", filter: "delegation-entreprises", email: "delegation-adresse", services: "delegation-habilitation" } },
  );
  if (person === null) return <Navigate to="/connexion" replace />;
  const fields = errors.fields;
  const names = new Map([...(selection.items ?? []), ...companies].map((c) => [c.siren, c.name]));
  return (
    <Page
      title="Déléguer pour plusieurs entreprises"
      lead="La même habilitation proposée à une personne pour chacune des entreprises choisies (500 au plus). Chaque proposition est envoyée à part, et chaque entreprise en est avertie ; la personne peut tout accepter d'un coup."
      trail={[{ label: "Mon espace", to: "/mon-espace" }]}
    >
      <form onSubmit={(e) => void run(e)} noValidate>
        {errors.summary}
        <RadioButtons
          legend="Entreprises"
          options={[
            ...(fromSelection
              ? [{ label: "La sélection de « Mes entreprises »", nativeInputProps: { checked: mode === "selection", onChange: () => setMode("selection") } }]
              : []),
            { label: "Une liste de SIREN collée", nativeInputProps: { checked: mode === "pasted", onChange: () => setMode("pasted") } },
            { label: "Choisir les entreprises une à une", nativeInputProps: { checked: mode === "picked", onChange: () => setMode("picked") } },
          ]}
        />
        <CompaniesChoice
          mode={mode}
          selectionTotal={selection.total}
          max={MAX}
          pasted={pasted}
          setPasted={setPasted}
          parsed={parsed}
          companies={companies}
          setCompanies={setCompanies}
          error={fields.sirens || fields.filter ? capitalised(fields.sirens ?? fields.filter ?? "") : undefined}
          inputId={errors.id("sirens")}
        />
        {mode === "selection" && (
          <p className="fr-text--sm">
            <Link to={`/mon-espace?${backToPortfolio(params)}`}>Revenir à « Mes entreprises » pour changer les filtres</Link>
          </p>
        )}
        <Input
          label="Adresse de connexion de la personne"
          hintText="Elle doit déjà avoir un espace professionnel."
          nativeInputProps={{ ...errors.native("email"), type: "email", value: email, onChange: (e) => setEmail(e.target.value) }}
          {...errors.props("email")}
        />
        <Select
          label="Habilitation"
          {...errors.props("services")}
          nativeSelectProps={{ ...errors.native("services"), value: bundle, onChange: (e) => setBundle(e.target.value) }}
        >
          {BUNDLES.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </Select>
        <Button type="submit" disabled={busy}>
          {`Proposer l'habilitation pour ${count} entreprise${count > 1 ? "s" : ""}`}
        </Button>
      </form>
      {outcomes && <BulkOutcomes outcomes={outcomes} name={(siren) => names.get(siren) ?? siren} />}
    </Page>
  );
}
