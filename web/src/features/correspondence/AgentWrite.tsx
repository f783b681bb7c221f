import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import type { paths } from "../../api.gen";
import { client, ok } from "../../shared/api/client";
import { ADMIN_NATURES, frenchDateTime, TAXES, type Reply } from "../../shared/api/types";
import { FormColumn, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { AgentPage } from "../backoffice/shared/backoffice";
import { CompanyCombobox } from "../../shared/components/CompanyCombobox";
import { Attachments, uploadedIds, uploadProblem, type Pending } from "../requests/Write";
import { correspondenceKeys, lookupCompetence, searchCompetence } from "./queries";

type Found = Reply<"/api/v1/backoffice/companies", "get">["items"][number];
type Opened = Reply<"/api/v1/backoffice/threads", "post">;
type NewThread = NonNullable<paths["/api/v1/backoffice/threads"]["post"]["requestBody"]>["content"]["application/json"];

/** The fields of a message the administration writes first (shared by one thread and a campaign). */
export type MessageFields = {
  tax: string;
  nature: string;
  subject: string;
  body: string;
  acknowledgementRequired: boolean;
  repliesAllowed: boolean;
  replyDueAt: string;
  publishDay: string;
  publishTime: string;
};
export const EMPTY_MESSAGE: MessageFields = {
  tax: "",
  nature: "",
  subject: "",
  body: "",
  acknowledgementRequired: false,
  repliesAllowed: true,
  replyDueAt: "",
  publishDay: "",
  publishTime: "",
};

/** What the API receives of these fields: dates as Paris days and Paris wall-clock times (the server converts). */
export function messagePayload(m: MessageFields) {
  return {
    // The selects offer only the codes the API knows.
    tax: m.tax as NewThread["tax"],
    nature: m.nature as NewThread["nature"],
    subject: m.subject,
    body: m.body,
    acknowledgementRequired: m.acknowledgementRequired,
    repliesAllowed: m.repliesAllowed,
    ...(m.replyDueAt ? { replyDueAt: m.replyDueAt } : {}),
    ...(m.publishDay ? { publishAt: `${m.publishDay}T${m.publishTime || "08:00"}` } : {}),
  };
}

/**
 * What the message still lacks, by field, for `refuseFields`: the submit buttons stay enabled, and a submit names
 * each field to fill in the error summary.
 */
export const messageProblems = (m: MessageFields) => ({
  tax: !m.tax && "choisissez l'impôt concerné.",
  nature: !m.nature && "choisissez la nature du message.",
  subject: !m.subject.trim() && "saisissez l'objet du message.",
  body: !m.body.trim() && "saisissez le message.",
});

export const PLACEHOLDER_HINT = "Champs remplis pour chaque entreprise : {{raison_sociale}}, {{siren}}, {{reference}}.";

/** The fields of the message, as form controls. */
export function MessageForm({
  value,
  onChange,
  errors,
}: {
  value: MessageFields;
  onChange: (v: MessageFields) => void;
  errors: ReturnType<typeof useFormErrors>;
}) {
  const set = (patch: Partial<MessageFields>) => onChange({ ...value, ...patch });
  return (
    <>
      <Select
        label="Impôt"
        {...errors.props("tax")}
        nativeSelectProps={{ ...errors.native("tax"), value: value.tax, onChange: (e) => set({ tax: e.target.value }) }}
      >
        <option value="">Choisir</option>
        {TAXES.map((t) => (
          <option key={t.code} value={t.code}>
            {t.label}
          </option>
        ))}
      </Select>
      <Select
        label="Nature du message"
        {...errors.props("nature")}
        nativeSelectProps={{ ...errors.native("nature"), value: value.nature, onChange: (e) => set({ nature: e.target.value }) }}
      >
        <option value="">Choisir</option>
        {ADMIN_NATURES.map((n) => (
          <option key={n.code} value={n.code}>
            {n.label}
          </option>
        ))}
      </Select>
      <Input
        label="Objet"
        hintText="150 caractères au plus."
        nativeInputProps={{ ...errors.native("subject"), value: value.subject, maxLength: 150, onChange: (e) => set({ subject: e.target.value }) }}
        {...errors.props("subject")}
      />
      <Input
        label="Message"
        textArea
        hintText={`10 000 caractères au plus, texte simple. ${PLACEHOLDER_HINT}`}
        nativeTextAreaProps={{ ...errors.native("body"), value: value.body, maxLength: 10_000, rows: 8, onChange: (e) => set({ body: e.target.value }) }}
        {...errors.props("body")}
      />
      <Checkbox
        legend="Options"
        options={[
          {
            label: "Accusé de réception demandé",
            hintText: "Une personne de l'entreprise devra cliquer sur « J'accuse réception » ; la date et son nom sont enregistrés.",
            nativeInputProps: { checked: value.acknowledgementRequired, onChange: (e) => set({ acknowledgementRequired: e.target.checked }) },
          },
          {
            label: "Réponses autorisées",
            hintText: "Décochez pour une décision ou une information qui n'appelle pas de réponse.",
            nativeInputProps: { checked: value.repliesAllowed, onChange: (e) => set({ repliesAllowed: e.target.checked }) },
          },
        ]}
      />
      <Input
        label="Réponse attendue au plus tard le (facultatif)"
        hintText="Jour inclus, heure de Paris."
        nativeInputProps={{ ...errors.native("replyDueAt"), type: "date", value: value.replyDueAt, onChange: (e) => set({ replyDueAt: e.target.value }) }}
        {...errors.props("replyDueAt")}
      />
      <fieldset className="fr-fieldset" aria-labelledby="publication-legende">
        <legend className="fr-fieldset__legend" id="publication-legende">
          Publication différée (facultatif)
          <span className="fr-hint-text">Vide : publié tout de suite. Avant cette date, l'entreprise ne voit rien et ne reçoit aucun avis.</span>
        </legend>
        <div className="fr-fieldset__element fr-fieldset__element--inline">
          <Input
            label="Jour"
            nativeInputProps={{ ...errors.native("publishAt"), type: "date", value: value.publishDay, onChange: (e) => set({ publishDay: e.target.value }) }}
            {...errors.props("publishAt")}
          />
        </div>
        <div className="fr-fieldset__element fr-fieldset__element--inline">
          <Input label="Heure (Paris)" nativeInputProps={{ type: "time", value: value.publishTime, onChange: (e) => set({ publishTime: e.target.value }) }} />
        </div>
      </fieldset>
    </>
  );
}

export const MESSAGE_FIELD_LABELS = {
  tax: "Impôt",
  nature: "Nature du message",
  subject: "Objet",
  body: "Message",
  replyDueAt: "Réponse attendue au plus tard le",
  publishAt: "Publication différée",
};

/** An agent writes first to a company of his competence (product §16). */
export function AgentWrite() {
  return (
    <AgentPage
      title="Écrire à une entreprise"
      lead="Le message ouvre un fil dans la messagerie de l'entreprise ; son adresse électronique reçoit un avis sans contenu."
    >
      {() => <WriteForm />}
    </AgentPage>
  );
}

function WriteForm() {
  const [siren, setSiren] = useState("");
  const [message, setMessage] = useState<MessageFields>(EMPTY_MESSAGE);
  const [files, setFiles] = useState<Pending[]>([]);
  const [opened, setOpened] = useState<Opened | undefined>();
  // A new thread shows in the queue, in what companies owe or among the messages to come.
  const { run, busy, error } = useAction(async () => {
    refuseFields({ siren: !siren && "choisissez l'entreprise à qui vous écrivez.", ...messageProblems(message), uploadIds: uploadProblem(files) });
    const created = await ok(
      client.POST("/api/v1/backoffice/threads", {
        body: { siren, ...messagePayload(message), uploadIds: uploadedIds(files) },
      }),
    );
    setOpened(created);
    setMessage(EMPTY_MESSAGE);
    setFiles([]);
  }, [correspondenceKeys.all]);
  const errors = useFormErrors(error, { siren: "Entreprise", ...MESSAGE_FIELD_LABELS, uploadIds: "Pièces jointes" });
  return (
    <FormColumn>
      {opened && (
        <Alert
          severity="success"
          className="fr-mb-3w"
          title={opened.status === "published" ? `Message publié : ${opened.reference}` : `Message programmé : ${opened.reference}`}
          description={
            <>
              {opened.status === "published"
                ? `Publié le ${frenchDateTime(opened.publishAt)} ; l'entreprise a reçu l'avis. `
                : `Il sera publié le ${frenchDateTime(opened.publishAt)}. `}
              {opened.status === "published" && <Link to={`/agent/demandes/${opened.id}`}>Ouvrir le fil</Link>}
            </>
          }
        />
      )}
      {errors.summary}
      <form onSubmit={(e) => void run(e)} noValidate>
        <CompanyCombobox<Found>
          label="Entreprise"
          hint="Entreprises de la compétence de vos services : tapez une partie du nom ou le début du SIREN."
          value={siren}
          search={searchCompetence}
          scope="backoffice-competence"
          lookup={lookupCompetence}
          inputId={errors.id("siren")}
          error={errors.fields.siren}
          onChange={(c) => setSiren(c?.siren ?? "")}
        />
        <MessageForm value={message} onChange={setMessage} errors={errors} />
        <Attachments value={files} onChange={setFiles} agent id={errors.id("uploadIds")} error={errors.fields.uploadIds} />
        <Button type="submit" disabled={busy}>
          {message.publishDay ? "Programmer le message" : "Envoyer le message"}
        </Button>
      </form>
    </FormColumn>
  );
}
