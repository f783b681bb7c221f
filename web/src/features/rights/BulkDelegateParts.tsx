import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Input } from "@codegouvfr/react-dsfr/Input";
import type { Reply } from "../../shared/api/types";
import { CompanyPicker, type Picked } from "../../shared/components/CompanyPicker";
import type { PastedSirens } from "../../shared/sirens";

/** How the companies of a bulk delegation are chosen. */
export type Mode = "selection" | "pasted" | "picked";

type Outcome = Reply<"/api/v1/delegations/batch", "post">["items"][number];

/** The companies of a bulk delegation, chosen the way the person picked: the selection, a pasted list, or one by one. */
export function CompaniesChoice(props: {
  mode: Mode;
  selectionTotal: number | undefined;
  max: number;
  pasted: string;
  setPasted: (text: string) => void;
  parsed: PastedSirens;
  companies: Picked[];
  setCompanies: (c: Picked[]) => void;
  error: string | undefined;
}) {
  const { mode, max, parsed } = props;
  if (mode === "selection") {
    const total = props.selectionTotal;
    if (total === undefined) return <p className="fr-text--sm">Chargement de la sélection…</p>;
    return total > max ? (
      <p className="fr-error-text" role="alert">
        {`La sélection compte ${total} entreprises : une délégation groupée porte sur ${max} entreprises au plus. Affinez les filtres de « Mes entreprises » (recherche, service, rôle, messages non lus).`}
      </p>
    ) : (
      <p role="status">{`${total} entreprise${total > 1 ? "s" : ""} sélectionnée${total > 1 ? "s" : ""} par les filtres de « Mes entreprises ».`}</p>
    );
  }
  if (mode === "picked") {
    return (
      <CompanyPicker
        label="Entreprises"
        hint="Tapez une partie du nom ou le début du SIREN, puis choisissez ; recommencez pour en ajouter (500 au plus)."
        value={props.companies}
        onChange={props.setCompanies}
        max={max}
        {...(props.error ? { error: props.error } : {})}
      />
    );
  }
  const problems = [
    ...parsed.invalid.map((i) => `Ligne ${i.line} : « ${i.value} » — ${i.reason}.`),
    ...(parsed.sirens.length > max ? [`${parsed.sirens.length} SIREN : ${max} au plus par délégation groupée.`] : []),
    ...(props.error ? [props.error] : []),
  ];
  return (
    <>
      <Input
        textArea
        label="SIREN des entreprises"
        hintText="Collez-les depuis un tableur ou un courriel : séparés par des espaces, des virgules, des points-virgules ou des retours à la ligne."
        nativeTextAreaProps={{ rows: 8, value: props.pasted, onChange: (e) => props.setPasted(e.target.value), spellCheck: false }}
        {...(problems.length > 0 ? { state: "error" as const, stateRelatedMessage: <PasteProblems problems={problems} /> } : {})}
      />
      <p className="fr-text--sm" role="status">
        {`${parsed.sirens.length} SIREN reconnu${parsed.sirens.length > 1 ? "s" : ""}`}
        {parsed.invalid.length > 0 ? `, ${parsed.invalid.length} valeur${parsed.invalid.length > 1 ? "s" : ""} à corriger.` : "."}
      </p>
    </>
  );
}

function PasteProblems({ problems }: { problems: string[] }) {
  return (
    <ul className="fr-mb-0">
      {problems.slice(0, 20).map((p) => (
        <li key={p}>{p}</li>
      ))}
      {problems.length > 20 && <li>{`… et ${problems.length - 20} autres.`}</li>}
    </ul>
  );
}

/** The result of a bulk delegation, one line per company. */
export function BulkOutcomes({ outcomes, name }: { outcomes: Outcome[]; name: (siren: string) => string }) {
  return (
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
  );
}
