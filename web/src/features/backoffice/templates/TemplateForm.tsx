import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { client, ok } from "../../../shared/api/client";
import { ApiError } from "../../../shared/api/types";
import { useAction, useFormErrors } from "../../../shared/components/page";
import { backofficeKeys } from "../queries";
import { insertAt, MAIN_PLACEHOLDERS, preview, sampleValues, unknownPlaceholders } from "./placeholders";

export type Template = { id: string; serviceCode: string; title: string; body: string };
type Service = { code: string; name: string };

const LABELS = { serviceCode: "Service", title: "Titre", body: "Texte du modèle" };

/**
 * Writing a template (supervisors): a new one for one of my services, or one already there (its service stays).
 * Buttons put a placeholder where the cursor is in the text; the preview beside shows the text as a company would
 * read it, filled with an example (a sample company, the service, the agent himself).
 */
export function TemplateForm({
  template,
  services,
  variables,
  agentName,
  onSaved,
  onCancel,
}: {
  template?: Template;
  services: Service[];
  variables: Record<string, string>;
  agentName: string;
  onSaved: (message: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState({
    serviceCode: template?.serviceCode ?? services[0]?.code ?? "",
    title: template?.title ?? "",
    body: template?.body ?? "",
  });
  const [announce, setAnnounce] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  const cursor = useRef<number | null>(null);
  /** Where the cursor goes once an inserted placeholder is in the text (then the text has the focus back). */
  const placeCursor = useRef<number | null>(null);
  useEffect(() => heading.current?.focus(), []);

  const queryClient = useQueryClient();
  const { run, busy, error } = useAction(async () => {
    const body = { title: value.title, body: value.body };
    if (template) await ok(client.PUT("/api/v1/backoffice/templates/{id}", { params: { path: { id: template.id } }, body }));
    else await ok(client.POST("/api/v1/backoffice/templates", { body: { ...body, serviceCode: value.serviceCode } }));
    // The list, and the template pickers of the request pages, ask again; then the form closes.
    await Promise.all(backofficeKeys.templateViews.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    onSaved(`Modèle « ${value.title.trim()} » ${template ? "enregistré" : "créé"}.`);
  });
  const code = error instanceof ApiError ? error.code : undefined;
  const errors = useFormErrors(error, LABELS, {
    body: code === "unknown_template_variable" ? error?.message : undefined,
    title: code === "template_exists" ? error?.message : undefined,
  });

  const textId = errors.id("body");
  const service = services.find((s) => s.code === value.serviceCode);
  const sample = sampleValues(service, agentName);
  const unknown = unknownPlaceholders(value.body, variables);
  const names = [...MAIN_PLACEHOLDERS.filter((n) => n in variables), ...Object.keys(variables).filter((n) => !MAIN_PLACEHOLDERS.includes(n))];

  /** Puts `{{name}}` in place of the text's selection (or at its cursor), then gives the focus back to the text. */
  const insert = (name: string) => {
    const area = document.getElementById(textId) as HTMLTextAreaElement | null;
    const start = area?.selectionStart ?? cursor.current ?? value.body.length;
    const end = area?.selectionEnd ?? start;
    const next = insertAt(value.body, start, end, `{{${name}}}`);
    setValue({ ...value, body: next.text });
    cursor.current = next.cursor;
    placeCursor.current = next.cursor;
    setAnnounce(`Variable {{${name}}} insérée dans le texte.`);
  };
  // Right after the render that holds the new text, before the next key is typed.
  useLayoutEffect(() => {
    const at = placeCursor.current;
    if (at === null) return;
    placeCursor.current = null;
    const area = document.getElementById(textId) as HTMLTextAreaElement | null;
    area?.focus();
    area?.setSelectionRange(at, at);
  }, [value.body, textId]);

  return (
    <section className="fr-mb-6w" aria-labelledby="modele-formulaire">
      <h2 id="modele-formulaire" ref={heading} tabIndex={-1} className="fr-h4">
        {template ? `Modifier le modèle « ${template.title} »` : "Nouveau modèle de réponse"}
      </h2>
      {errors.summary}
      <div className="fr-grid-row fr-grid-row--gutters">
        <form className="fr-col-12 fr-col-lg-7" onSubmit={(e) => void run(e)} noValidate>
          {template ? (
            <p>
              Service : <strong>{service?.name ?? template.serviceCode}</strong>
            </p>
          ) : (
            <Select
              label="Service"
              {...errors.props("serviceCode")}
              nativeSelectProps={{
                ...errors.native("serviceCode"),
                value: value.serviceCode,
                onChange: (e) => setValue({ ...value, serviceCode: e.target.value }),
              }}
            >
              {services.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name}
                </option>
              ))}
            </Select>
          )}
          <Input
            label="Titre"
            hintText="Tel qu'il apparaît dans la liste des modèles de la page d'une demande (120 caractères au plus)."
            {...errors.props("title")}
            nativeInputProps={{ ...errors.native("title"), value: value.title, maxLength: 120, onChange: (e) => setValue({ ...value, title: e.target.value }) }}
          />
          <fieldset className="fr-fieldset fr-mb-1w" aria-describedby="variables-aide">
            <legend className="fr-fieldset__legend fr-text--regular">Insérer une variable</legend>
            <p id="variables-aide" className="fr-hint-text fr-mb-1w fr-ml-1w">
              Elle est placée à l'endroit du curseur dans le texte, puis remplacée par la valeur de la demande.
            </p>
            <ul className="fr-btns-group fr-btns-group--inline fr-btns-group--sm fr-ml-1w">
              {names.map((n) => (
                <li key={n}>
                  <Button type="button" priority="tertiary" size="small" title={variables[n]} onClick={() => insert(n)}>
                    {`{{${n}}}`}
                    <span className="fr-sr-only"> : {variables[n]}</span>
                  </Button>
                </li>
              ))}
            </ul>
          </fieldset>
          <p aria-live="polite" className="fr-sr-only">
            {announce}
          </p>
          <Input
            label="Texte du modèle"
            textArea
            {...errors.props("body")}
            {...(unknown.length > 0 && !errors.fields.body
              ? { state: "error" as const, stateRelatedMessage: `Variable inconnue : ${unknown.map((n) => `{{${n}}}`).join(", ")}.` }
              : {})}
            nativeTextAreaProps={{
              id: textId,
              value: value.body,
              rows: 10,
              maxLength: 10_000,
              onChange: (e) => setValue({ ...value, body: e.target.value }),
              onSelect: (e) => (cursor.current = e.currentTarget.selectionStart),
            }}
          />
          <ul className="fr-btns-group fr-btns-group--inline-md">
            <li>
              <Button type="submit" disabled={busy}>
                {template ? "Enregistrer les modifications" : "Créer le modèle"}
              </Button>
            </li>
            <li>
              <Button type="button" priority="secondary" onClick={onCancel}>
                Annuler
              </Button>
            </li>
          </ul>
        </form>
        <div className="fr-col-12 fr-col-lg-5">
          <div className="fr-p-2w fr-background-alt--grey" aria-labelledby="apercu-titre" role="region">
            <h3 id="apercu-titre" className="fr-h6 fr-mb-1w">
              Aperçu
            </h3>
            <p className="fr-text--xs">
              Avec un exemple : {sample.raison_sociale}, SIREN {sample.siren}, demande {sample.reference}, {sample.service}, {sample.agent}.
            </p>
            <p className="fr-text--bold fr-mb-1w">{value.title.trim() || "Sans titre"}</p>
            <p style={{ whiteSpace: "pre-wrap" }} className="fr-mb-0" data-testid="apercu-modele">
              {value.body.trim() === ""
                ? "Le texte du modèle s'affichera ici."
                : preview(value.body, sample).map((p, i) =>
                    p.placeholder === undefined ? (
                      <span key={i}>{p.text}</span>
                    ) : p.known ? (
                      <mark key={i}>{p.text}</mark>
                    ) : (
                      <strong key={i} style={{ color: "var(--text-default-error)", textDecoration: "underline wavy" }}>
                        {p.text}
                        <span className="fr-sr-only"> (variable inconnue)</span>
                      </strong>
                    ),
                  )}
            </p>
          </div>
        </div>
      </div>
    </section>
  );
}
