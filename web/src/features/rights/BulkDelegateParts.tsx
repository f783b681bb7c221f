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
  /** The id of the field the error summary links to (the list, the picker, or the selection's sentence). */
  inputId: string;
}) {
  const { mode, max, parsed, inputId } = props;
  if (mode === "selection") {
    const total = props.selectionTotal;
    if (total === undefined) return <p className="fr-text--sm">Chargement de la sélection…</p>;
    return total > max ? (
      <p className="fr-error-text" role="alert" id={inputId} tabIndex={-1}>
        {`La sélection compte ${total} entreprises : une délégation groupée porte sur ${max} entreprises au plus. Affinez les filtres de « Mes entreprises » (recherche, service, rôle, messages non lus).`}
      </p>
    ) : (
      <p role="status" id={inputId} tabIndex={-1} className={props.error ? "fr-error-text" : undefined}>
        {props.error ?? `${total} entreprise${total > 1 ? "s" : ""} sélectionnée${total > 1 ? "s" : ""} par les filtres de « Mes entreprises ».`}
      </p>
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
        inputId={inputId}
        {...(props.error ? { error: props.error } : {})}
      />
    );
  }
  // Said once: a refused submit repeats what the list already shows.
  const problems = [
    ...new Set([
      ...parsed.invalid.map((i) => `Ligne ${i.line} : « ${i.value} » — ${i.reason}.`),
      ...(parsed.sirens.length > max ? [tooManySirens(parsed.sirens.length, max)] : []),
      ...(props.error ? [props.error] : []),
    ]),
  ];
  return (
    <>
      <Input
        textArea
        label="SIREN des entreprises"
        hintText="Collez-les depuis un tableur ou un courriel : séparés par des espaces, des virgules, des points-virgules ou des retours à la ligne."
        nativeTextAreaProps={{
          id: inputId,
          ...(problems.length > 0 ? { "aria-invalid": true } : {}),
          rows: 8,
          value: props.pasted,
          onChange: (e) => props.setPasted(e.target.value),
          spellCheck: false,
        }}
        {...(problems.length > 0 ? { state: "error" as const, stateRelatedMessage: <PasteProblems problems={problems} /> } : {})}
      />
      <p className="fr-text--sm" role="status">
        {`${parsed.sirens.length} SIREN reconnu${parsed.sirens.length > 1 ? "s" : ""}`}
        {parsed.invalid.length > 0 ? `, ${parsed.invalid.length} valeur${parsed.invalid.length > 1 ? "s" : ""} à corriger.` : "."}
      </p>
    </>
  );
}

/** Too many SIREN pasted: said under the list as it is pasted, and by a refused submit. */
export const tooManySirens = (n: number, max: number) => `${n} SIREN : ${max} au plus par délégation groupée.`;

/**
 * What stops a bulk delegation's companies, by the way they are chosen (undefined: nothing), for the error summary:
 * nothing chosen, too many, or values of the pasted list that are not SIREN.
 */
export function companiesProblem(mode: Mode, count: number, max: number, parsed: PastedSirens): string | undefined {
  if (mode === "selection") {
    if (count === 0) return "la sélection ne compte aucune entreprise : changez les filtres de « Mes entreprises ».";
    return count > max ? `la sélection compte ${count} entreprises, ${max} au plus : affinez les filtres de « Mes entreprises ».` : undefined;
  }
  if (mode === "picked") return count === 0 ? "choisissez au moins une entreprise." : undefined;
  if (count === 0 && parsed.invalid.length === 0) return "collez au moins un SIREN.";
  if (parsed.invalid.length > 0) return "corrigez ou retirez les valeurs qui ne sont pas des SIREN, listées sous le champ.";
  return count > max ? tooManySirens(count, max) : undefined;
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
