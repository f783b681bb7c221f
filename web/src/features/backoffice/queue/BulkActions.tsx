import { useEffect, useRef, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { client, ok } from "../../../shared/api/client";
import { ErrorAlert } from "../../../shared/components/page";
import { backofficeKeys, useBulkOptions } from "../queries";
import type { QueueItem } from "../shared/backoffice";

/** A row chosen for a bulk action, with the version it had when chosen: a request changed since is refused. */
export type Picked = Pick<QueueItem, "id" | "version" | "reference" | "serviceCode">;
type Action = "assign" | "close" | "transfer";
type Outcome = { done: Picked[]; refused: { item: Picked; message: string }[] };

const ME = "me";
const NOBODY = "none";

/**
 * The bulk actions on the queue's selected rows (assign, close, transfer): each request goes through its own use
 * case with the version it had when the agent ticked it, and gets its own result; the refused ones are listed
 * with their reason (a colleague answered meanwhile, another service's agent…).
 */
export function BulkActions({ picked, agentId, onDone, onClear }: { picked: Picked[]; agentId: string; onDone: () => void; onClear: () => void }) {
  const [action, setAction] = useState<Action | "">("");
  const [assignee, setAssignee] = useState(ME);
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const options = useBulkOptions(picked.length > 0);
  const queryClient = useQueryClient();
  const result = useRef<HTMLDivElement>(null);
  const services = new Set(picked.map((p) => p.serviceCode));
  // A colleague can take the requests only if he works in every service among them.
  const colleagues = (options.data?.colleagues ?? []).filter((c) => c.id !== agentId && [...services].every((s) => c.services.includes(s)));
  const targets = (options.data?.transferTargets ?? []).filter((s) => !services.has(s.code));

  const run = useMutation({
    mutationFn: async () => {
      if (!action) throw new Error("no action");
      const items = picked.map((p) => ({ id: p.id, version: p.version }));
      const body =
        action === "assign"
          ? { action, items, agentId: assignee === ME ? agentId : assignee === NOBODY ? null : assignee }
          : action === "transfer"
            ? { action, items, serviceCode: target, reason }
            : { action, items, ...(reason.trim() ? { reason } : {}) };
      return ok(client.POST("/api/v1/backoffice/requests/bulk", { body }));
    },
    onSuccess: async (answer) => {
      const byId = new Map(picked.map((p) => [p.id, p]));
      setOutcome({
        done: answer.items.filter((i) => i.status === "done").map((i) => byId.get(i.id)!),
        refused: answer.items.filter((i) => i.status === "refused").map((i) => ({ item: byId.get(i.id)!, message: i.error?.message ?? "Refusée." })),
      });
      setReason("");
      onDone();
      await queryClient.invalidateQueries({ queryKey: backofficeKeys.all });
    },
  });
  useEffect(() => {
    if (outcome) result.current?.focus();
  }, [outcome]);

  const ready = action === "assign" || (action === "transfer" && target !== "" && reason.trim() !== "") || action === "close";
  const verb = action === "assign" ? "Attribuer" : action === "close" ? "Clôturer" : action === "transfer" ? "Transférer" : "Appliquer à";
  return (
    <div className="fr-mb-2w">
      <div ref={result} tabIndex={-1} aria-live="polite">
        {outcome && (
          <>
            {outcome.done.length > 0 && (
              <Alert
                severity="success"
                small
                className="fr-mb-1w"
                description={`${outcome.done.length} demande${outcome.done.length > 1 ? "s" : ""} traitée${outcome.done.length > 1 ? "s" : ""} : ${outcome.done.map((d) => d.reference).join(", ")}.`}
              />
            )}
            {outcome.refused.length > 0 && (
              <Alert
                severity="warning"
                small
                className="fr-mb-1w"
                description={
                  <>
                    {outcome.refused.length} demande{outcome.refused.length > 1 ? "s" : ""} non traitée{outcome.refused.length > 1 ? "s" : ""} :
                    <ul>
                      {outcome.refused.map((r) => (
                        <li key={r.item.id}>
                          {r.item.reference} : {r.message}
                        </li>
                      ))}
                    </ul>
                  </>
                }
              />
            )}
          </>
        )}
      </div>
      {picked.length > 0 && (
        <form
          className="fr-p-2w fr-background-alt--grey"
          onSubmit={(e) => {
            e.preventDefault();
            if (ready) run.mutate();
          }}
          noValidate
        >
          <h2 className="fr-h6 fr-mb-1w">
            Actions groupées : {picked.length} demande{picked.length > 1 ? "s" : ""} sélectionnée{picked.length > 1 ? "s" : ""}
          </h2>
          <ErrorAlert error={run.error ?? options.error} />
          <div className="fr-grid-row fr-grid-row--gutters">
            <div className="fr-col-12 fr-col-md-4">
              <Select label="Action" nativeSelectProps={{ value: action, onChange: (e) => setAction(e.target.value as Action | "") }}>
                <option value="">Choisir…</option>
                <option value="assign">Attribuer</option>
                <option value="transfer">Transférer à un autre service</option>
                <option value="close">Clôturer</option>
              </Select>
            </div>
            {action === "assign" && (
              <div className="fr-col-12 fr-col-md-4">
                <Select label="Attribuer à" nativeSelectProps={{ value: assignee, onChange: (e) => setAssignee(e.target.value) }}>
                  <option value={ME}>Moi-même</option>
                  <option value={NOBODY}>Personne (retirer l'attribution)</option>
                  {colleagues.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </Select>
              </div>
            )}
            {action === "transfer" && (
              <div className="fr-col-12 fr-col-md-4">
                <Select label="Service destinataire" nativeSelectProps={{ value: target, onChange: (e) => setTarget(e.target.value), required: true }}>
                  <option value="">Choisir…</option>
                  {targets.map((s) => (
                    <option key={s.code} value={s.code}>
                      {s.name} ({s.code})
                    </option>
                  ))}
                </Select>
              </div>
            )}
            {(action === "transfer" || action === "close") && (
              <div className="fr-col-12 fr-col-md-4">
                <Input
                  label={action === "transfer" ? "Motif (interne, non visible de l'entreprise)" : "Motif pour l'entreprise"}
                  hintText={
                    action === "close" ? "Lu par l'entreprise quand sa demande n'a reçu aucune réponse ; sans motif, ces demandes-là sont refusées." : undefined
                  }
                  textArea
                  nativeTextAreaProps={{
                    value: reason,
                    rows: 2,
                    maxLength: 1_000,
                    onChange: (e) => setReason(e.target.value),
                    required: action === "transfer",
                  }}
                />
              </div>
            )}
          </div>
          <Button type="submit" disabled={!ready || run.isPending}>
            {verb} {picked.length} demande{picked.length > 1 ? "s" : ""}
          </Button>{" "}
          <Button type="button" priority="tertiary" onClick={onClear}>
            Tout désélectionner
          </Button>
        </form>
      )}
    </div>
  );
}
