import { useRef, useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import type { Draft } from "./RequestForms";

/**
 * The reply's text with its templates: choosing a template in the list (arrow keys included) changes nothing;
 * « Insérer le modèle » puts it where the cursor was in the text, never over what the agent typed.
 */
/** The reply's text area (the « r » shortcut brings the focus to it). */
export const REPLY_FIELD = "reponse-texte";

export function TemplatePicker({ templates, body }: { templates: { id: string; title: string; body: string }[]; body: Draft }) {
  const [chosen, setChosen] = useState("");
  const [inserted, setInserted] = useState<string>();
  const cursor = useRef<number | null>(null);
  const textArea = useRef<HTMLTextAreaElement | null>(null);
  const insert = () => {
    const t = templates.find((x) => x.id === chosen);
    if (!t) return;
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
              nativeSelectProps={{ value: chosen, onChange: (e) => setChosen(e.target.value) }}
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
            <Button type="button" priority="secondary" disabled={!chosen} onClick={insert}>
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
        nativeTextAreaProps={{
          id: REPLY_FIELD,
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
