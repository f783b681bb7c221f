import { useRef, useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { capitalised } from "../../../shared/components/page";
import type { Draft } from "./RequestForms";

/**
 * The reply's text with its templates: choosing a template in the list (arrow keys included) changes nothing;
 * « Insérer le modèle » puts it where the cursor was in the text, never over what the agent typed.
 */
/** The reply's text area (the « r » shortcut brings the focus to it). */
export const REPLY_FIELD = "reponse-texte";
const TEMPLATE_FIELD = "reponse-modele";

export function TemplatePicker({
  templates,
  body,
  error,
}: {
  templates: { id: string; title: string; body: string }[];
  body: Draft;
  /** The reply's error on its text (an empty reply sent), shown under it. */
  error?: string | undefined;
}) {
  const [chosen, setChosen] = useState("");
  /** « Insérer le modèle » pressed with no template chosen: said under the list, which takes the focus. */
  const [pickError, setPickError] = useState(false);
  const [inserted, setInserted] = useState<string>();
  const cursor = useRef<number | null>(null);
  const textArea = useRef<HTMLTextAreaElement | null>(null);
  const insert = () => {
    const t = templates.find((x) => x.id === chosen);
    if (!t) {
      setPickError(true);
      document.getElementById(TEMPLATE_FIELD)?.focus();
      return;
    }
    const at = Math.min(cursor.current ?? body.value.length, body.value.length);
    const before = body.value.slice(0, at);
    const after = body.value.slice(at);
    const sep = before && !before.endsWith("\n") ? "\n" : "";
    body.set(`${before}${sep}${t.body}${after}`);
    cursor.current = at + sep.length + t.body.length;
    setInserted(`Modèle « ${t.title} » inséré dans le message.`);
    textArea.current?.focus();
  };
  const remember = (e: { currentTarget: HTMLTextAreaElement }) => {
    cursor.current = e.currentTarget.selectionStart;
    textArea.current = e.currentTarget;
  };
  return (
    <>
      {templates.length > 0 && (
        <div className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom">
          <div className="fr-col-12 fr-col-md-8">
            <Select
              label="Modèle de réponse"
              hint="Le modèle est inséré à l'endroit du curseur, sans effacer votre texte ; les variables sont déjà remplies."
              {...(pickError ? { state: "error" as const, stateRelatedMessage: "Choisissez le modèle à insérer." } : {})}
              nativeSelectProps={{
                id: TEMPLATE_FIELD,
                ...(pickError ? { "aria-invalid": true } : {}),
                value: chosen,
                onChange: (e) => (setChosen(e.target.value), setPickError(false)),
              }}
            >
              <option value="">Choisir un modèle…</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.title}
                </option>
              ))}
            </Select>
          </div>
          <div className="fr-col-auto fr-mb-3w">
            <Button type="button" priority="secondary" onClick={insert}>
              Insérer le modèle
            </Button>
          </div>
        </div>
      )}
      <p aria-live="polite" className="fr-sr-only">
        {inserted}
      </p>
      <Input
        label="Message à l'entreprise"
        textArea
        {...(error ? { state: "error" as const, stateRelatedMessage: capitalised(error) } : {})}
        nativeTextAreaProps={{
          id: REPLY_FIELD,
          ...(error ? { "aria-invalid": true as const } : {}),
          value: body.value,
          rows: 6,
          maxLength: 10_000,
          onChange: (e) => {
            remember(e);
            body.set(e.target.value);
          },
          onSelect: remember,
          onFocus: remember,
        }}
      />
    </>
  );
}
