import { Button } from "@codegouvfr/react-dsfr/Button";

/**
 * « Nouveau message reçu »: something arrived while the person was writing (shared/live.ts, useDraftHold); the
 * thread stays as she reads it until she asks to see it, and her draft stays as she typed it. Announced politely.
 */
export function NewMessageNotice({ live }: { live: { pending: boolean; show: () => Promise<void> } }) {
  return (
    <div aria-live="polite">
      {live.pending && (
        <div className="fr-alert fr-alert--info fr-alert--sm fr-mb-2w">
          <p>
            Nouveau message reçu pendant que vous écriviez. Votre brouillon est conservé.{" "}
            <Button size="small" priority="secondary" onClick={() => void live.show()}>
              Afficher le nouveau message
            </Button>
          </p>
        </div>
      )}
    </div>
  );
}
