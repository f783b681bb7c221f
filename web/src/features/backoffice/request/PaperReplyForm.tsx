import { useState, type FormEvent } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { frenchCalendarDay } from "../../../../../src/shared/timeline";
import { parisDay } from "../../../../../src/shared/dates";
import { refuseFields, useFormErrors } from "../../../shared/components/page";
import { Attachments, uploadedIds, uploadProblem, type Pending } from "../../requests/Write";
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
  const dateError = !receivedAt
    ? "indiquez la date de réception du courrier."
    : receivedAt > today
      ? "la date de réception ne peut pas être dans le futur."
      : receivedAt < opened
        ? `la réponse ne peut pas être arrivée avant l'envoi du message, le ${frenchCalendarDay(opened)}.`
        : undefined;
  /** The form refused before anything is sent (the button stays enabled: the summary names what is missing). */
  const [refusal, setRefusal] = useState<unknown>();
  const errors = useFormErrors(
    refusal ?? record.error,
    { receivedAt: "Date de réception du courrier", uploadIds: "Scan du courrier reçu", note: "Note interne (facultative)" },
    {},
    { ids: { receivedAt: "courrier-date", uploadIds: "scan-courrier", note: "courrier-note" } },
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    try {
      // A refused scan is not dropped silently: the form says which one to remove.
      refuseFields({
        receivedAt: dateError,
        uploadIds: uploadProblem(files) ?? (files.length === 0 && "joignez au moins un scan du courrier reçu."),
      });
    } catch (refused) {
      setRefusal(refused);
      return;
    }
    setRefusal(undefined);
    const trimmed = note.trim();
    const res = await record.mutateAsync({ receivedAt, uploadIds: uploadedIds(files), ...(trimmed ? { note: trimmed } : {}) }).catch(() => undefined);
    if (!res) return;
    setFiles([]);
    setNote("");
    setDone(`Réponse reçue par courrier le ${frenchCalendarDay(res.receivedOn)} enregistrée : elle figure dans les échanges.`);
  };

  return (
    <section aria-labelledby="reponse-courrier" className="fr-mt-4w">
      <h2 id="reponse-courrier" className="fr-h5">
        Enregistrer une réponse reçue par courrier
      </h2>
      <p className="fr-text--sm">La réponse est ajoutée aux échanges comme message de l'entreprise, avec la date de réception et le scan du courrier.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <SentNotice text={done} />
        {errors.summary}
        <Input
          label="Date de réception du courrier"
          hintText={`Entre le ${frenchCalendarDay(opened)} et aujourd'hui.`}
          {...errors.props("receivedAt")}
          nativeInputProps={{
            ...errors.native("receivedAt"),
            type: "date",
            value: receivedAt,
            min: opened,
            max: today,
            required: true,
            onChange: (e) => setReceivedAt(e.target.value),
          }}
        />
        <Attachments
          value={files}
          onChange={setFiles}
          agent
          id={errors.id("uploadIds")}
          label="Scan du courrier reçu (au moins un fichier)"
          error={errors.fields.uploadIds}
        />
        <Input
          label="Note interne (facultative)"
          hintText="Visible des seuls agents, jamais de l'entreprise."
          textArea
          {...errors.props("note")}
          nativeTextAreaProps={{ ...errors.native("note"), value: note, rows: 2, maxLength: 5_000, onChange: (e) => setNote(e.target.value) }}
        />
        <Button type="submit" priority="secondary" disabled={record.isPending}>
          Enregistrer la réponse reçue par courrier
        </Button>
      </form>
    </section>
  );
}
