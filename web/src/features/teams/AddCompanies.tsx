import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { FormColumn, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { CompanyPicker, type Picked } from "../../shared/components/CompanyPicker";
import { addTeamCompanies, teamChanges, type CompanyLine } from "./queries";
import { parseSirens } from "../../shared/sirens";

const MAX = 500;
const LINE_WORDS = { added: "ajoutée", already_in_team: "déjà dans l'équipe", refused: "refusée" } as const;
const LINE_SEVERITY = { added: "success", already_in_team: "info", refused: "error" } as const;

/** The owner adds companies she administers: picked one by one, or a pasted list of SIRENs (500 at most at once). */
export function AddCompanies({ teamId }: { teamId: string }) {
  const queryClient = useQueryClient();
  const [picked, setPicked] = useState<Picked[]>([]);
  const [pasted, setPasted] = useState("");
  const [lines, setLines] = useState<CompanyLine[] | undefined>();
  const fromList = parseSirens(pasted);
  const sirens = [...new Set([...picked.map((c) => c.siren), ...fromList.sirens])];
  const { run, busy, error } = useAction(async () => {
    // The button stays enabled: nothing chosen, or too many, is said under the field, which takes the focus.
    refuseFields({
      sirens:
        sirens.length === 0
          ? "choisissez au moins une entreprise, ou collez une liste de SIREN."
          : sirens.length > MAX && `${MAX} entreprises au plus à la fois : vous en avez ${sirens.length}, retirez-en.`,
    });
    setLines(await addTeamCompanies(teamId, sirens));
    setPicked([]);
    setPasted("");
    await Promise.all(teamChanges.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  });
  const errors = useFormErrors(error, { sirens: "Entreprises de mon portefeuille" }, {}, { focus: "field", ids: { sirens: "equipe-ajout-entreprises" } });
  const names = new Map(picked.map((c) => [c.siren, c.name]));
  return (
    <FormColumn>
      <form onSubmit={(e) => void run(e)} noValidate className="fr-mt-3w">
        <h3 className="fr-h6">Ajouter des entreprises</h3>
        <p className="fr-text--sm">
          Seules les entreprises dont vous êtes administrateur pour les services de l'équipe peuvent y entrer ; chacune est avertie des personnes qui pourront
          agir pour elle.
        </p>
        {errors.summary}
        <CompanyPicker
          inputId={errors.id("sirens")}
          error={errors.fields.sirens}
          label="Entreprises de mon portefeuille"
          hint="Tapez une partie du nom ou le début du SIREN, puis choisissez ; recommencez pour en ajouter."
          value={picked}
          onChange={setPicked}
          max={MAX}
        />
        <Input
          textArea
          label="Ou collez une liste de SIREN"
          hintText="Un SIREN (9 chiffres) par ligne, ou séparés par des virgules ou des espaces ; 500 au plus à la fois."
          nativeTextAreaProps={{ value: pasted, onChange: (e) => setPasted(e.target.value), rows: 4 }}
        />
        <p className="fr-text--sm" aria-live="polite">
          {sirens.length} entreprise{sirens.length > 1 ? "s" : ""} à ajouter{sirens.length > MAX ? ` : ${MAX} au plus à la fois` : ""}.
        </p>
        {fromList.invalid.length > 0 && (
          <ul className="fr-text--sm fr-error-text" aria-live="polite">
            {fromList.invalid.slice(0, 20).map((l) => (
              <li key={`${l.line}-${l.value}`}>{`Ligne ${l.line} : « ${l.value} » ignoré, ${l.reason}.`}</li>
            ))}
            {fromList.invalid.length > 20 && <li>{`… et ${fromList.invalid.length - 20} autres valeurs ignorées.`}</li>}
          </ul>
        )}
        <Button type="submit" disabled={busy}>
          {`Ajouter ${sirens.length} entreprise${sirens.length > 1 ? "s" : ""}`}
        </Button>
      </form>
      {lines && (
        <section aria-labelledby="resultat-ajout" className="fr-mt-3w">
          <h3 id="resultat-ajout" className="fr-h6">
            Résultat
          </h3>
          <p role="status">
            {lines.filter((l) => l.status === "added").length} ajoutée(s), {lines.filter((l) => l.status === "refused").length} refusée(s).
          </p>
          <ul>
            {lines.map((l) => (
              <li key={l.siren}>
                {names.get(l.siren) ?? "SIREN"} {l.siren} :{" "}
                <Badge small severity={LINE_SEVERITY[l.status]}>
                  {LINE_WORDS[l.status]}
                </Badge>
                {l.error ? ` ${l.error.message}` : ""}
              </li>
            ))}
          </ul>
        </section>
      )}
    </FormColumn>
  );
}
