import { useMemo, useState } from "react";
import { REQUEST_SHORTCUTS, ShortcutsDialog } from "../shared/ShortcutsDialog";
import { useShortcuts } from "../shared/shortcuts";
import { NOTE_FIELD } from "./RequestForms";
import { REPLY_FIELD } from "./TemplatePicker";

/** Brings a field into view and gives it the focus (a closed request has no reply field: nothing happens). */
function focusField(id: string) {
  const field = document.getElementById(id);
  if (!field) return;
  field.scrollIntoView({ block: "center" });
  field.focus();
}

/** The request page's shortcuts: r the reply, n a note, ? their list; said on the page, listed in a dialog. */
export function RequestShortcuts() {
  const [help, setHelp] = useState(false);
  const handlers = useMemo(() => ({ r: () => focusField(REPLY_FIELD), n: () => focusField(NOTE_FIELD), "?": () => setHelp(true) }), []);
  useShortcuts(handlers);
  return (
    <>
      <p className="fr-text--sm">
        Raccourcis : <kbd>r</kbd> répondre, <kbd>n</kbd> ajouter une note,{" "}
        <button type="button" className="fr-link fr-text--sm" onClick={() => setHelp(true)}>
          <kbd>?</kbd> la liste des raccourcis
        </button>
        .
      </p>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} title="Raccourcis clavier de la demande" shortcuts={REQUEST_SHORTCUTS} />
    </>
  );
}
