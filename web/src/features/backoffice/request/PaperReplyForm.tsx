import { useState, type FormEvent } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { frenchCalendarDay } from "../../../../../src/shared/timeline";
import { parisDay } from "../../../../../src/shared/dates";
import { ErrorAlert } from "../../../shared/components/page";
import { Attachments, uploadedIds, type Pending } from "../../requests/Write";
import type { AgentRequest as Detail } from "../shared/backoffice";
import { usePaperReply } from "../queries";
import { SentNotice } from "./conflict";

/**
 * « Enregistrer une réponse reçue par courrier » (product §18): on a thread the administration opened, the agent
 * records the answer the company sent by post — the day it arrived, its scans, and an internal note. The thread
 * then shows it as the company's message « Reçu par courrier le … ».
 */
export function PaperReplyForm({ r }: { r: Detail }) {
  const today = parisDay(new Date());
  const opened = parisDay(r.receivedAt);
  const [receivedAt, setReceivedAt] = useState(today);
  const [files, setFiles] = useState<Pending[]>([]);
  const [note, setNote] = useState("");
  const [done, setDone] = useState<string | undefined>();
  const record = usePaperReply(r.id);
  const uploading = files.some((f) => !f.done && !f.error);
  const scans = files.filter((f) => f.done);
  // A refused scan is not dropped silently: the form says which one to remove.
  const refused = files.find((f) => f.error);
  const dateError = !receivedAt
    ? "Indiquez la date de réception du courrier."
    : receivedAt > today
      ? "La date de réception ne peut pas être dans le futur."
      : receivedAt < opened
        ? `La réponse ne peut pas être arrivée avant l'envoi du message, le ${frenchCalendarDay(opened)}.`
        : undefined;
  const [tried, setTried] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    setDone(undefined);
    if (dateError || scans.length === 0 || uploading || refused) return;
    const trimmed = note.trim();
    const res = await record.mutateAsync({ receivedAt, uploadIds: uploadedIds(files), ...(trimmed ? { note: trimmed } : {}) }).catch(() => undefined);
    if (!res) return;
    setFiles([]);
    setNote("");
    setTried(false);
    setDone(`Réponse reçue par courrier le ${frenchCalendarDay(res.receivedOn)} enregistrée : elle figure dans les échanges.`);
  };

  return (
    <section aria-labelledby="reponse-courrier" className="fr-mt-4w">
      <h3 id="reponse-courrier" className="fr-h5">
        Enregistrer une réponse reçue par courrier
      </h3>
      <p className="fr-text--sm">La réponse est ajoutée aux échanges comme message de l'entreprise, avec la date de réception et le scan du courrier.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <SentNotice text={done} />
        <ErrorAlert error={record.error ?? undefined} />
        <Input
          label="Date de réception du courrier"
          hintText={`Entre le ${frenchCalendarDay(opened)} et aujourd'hui.`}
          state={tried && dateError ? "error" : "default"}
          stateRelatedMessage={tried ? dateError : undefined}
          nativeInputProps={{ type: "date", value: receivedAt, min: opened, max: today, required: true, onChange: (e) => setReceivedAt(e.target.value) }}
        />
        <Attachments value={files} onChange={setFiles} agent id="scan-courrier" label="Scan du courrier reçu (au moins un fichier)" />
        {tried && refused && (
          <p className="fr-error-text fr-mt-n2w fr-mb-2w" role="alert">
            Le fichier « {refused.file.name} » est refusé : retirez-le ou remplacez-le avant d'enregistrer.
          </p>
        )}
        {tried && !refused && scans.length === 0 && !uploading && (
          <p className="fr-error-text fr-mt-n2w fr-mb-2w" role="alert">
            Joignez au moins un scan du courrier reçu.
          </p>
        )}
        <Input
          label="Note interne (facultative)"
          hintText="Visible des seuls agents, jamais de l'entreprise."
          textArea
          nativeTextAreaProps={{ value: note, rows: 2, maxLength: 5_000, onChange: (e) => setNote(e.target.value) }}
        />
        <Button type="submit" priority="secondary" disabled={record.isPending || uploading}>
          Enregistrer la réponse reçue par courrier
        </Button>
      </form>
    </section>
  );
}
