import { useEffect, useRef } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";

export const QUEUE_SHORTCUTS: [string, string][] = [
  ["j", "Demande suivante"],
  ["k", "Demande précédente"],
  ["Entrée", "Ouvrir la demande sélectionnée"],
  ["?", "Afficher cette liste"],
];

export const REQUEST_SHORTCUTS: [string, string][] = [
  ["r", "Écrire la réponse à l'entreprise"],
  ["n", "Écrire une note interne"],
  ["?", "Afficher cette liste"],
];

/** A page's shortcuts listed in a native modal dialog (focus kept inside, Échap closes it). */
export function ShortcutsDialog({ open, onClose, title, shortcuts }: { open: boolean; onClose: () => void; title: string; shortcuts: [string, string][] }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal?.();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby="raccourcis-titre" onClose={onClose} className="fr-p-3w">
      <h2 id="raccourcis-titre" className="fr-h5">
        {title}
      </h2>
      <p className="fr-text--sm">Ils ne s'appliquent pas pendant la saisie dans un champ.</p>
      <dl>
        {shortcuts.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <Button type="button" onClick={onClose}>
        Fermer
      </Button>
    </dialog>
  );
}
