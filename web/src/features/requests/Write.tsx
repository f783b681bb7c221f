import { useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { CompanyCombobox } from "../../shared/components/CompanyCombobox";
import type { paths } from "../../api.gen";
import { ApiError, client, ok } from "../../shared/api/client";
import { frenchSize, NATURES, TAXES, uploadFile, type Company, type Uploaded } from "../../shared/api/types";
import { capitalised, FormColumn, Page, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { useSession } from "../../shared/session";
import { requestKeys, useCompany } from "./queries";

type NewRequest = paths["/api/v1/requests"]["post"]["requestBody"]["content"]["application/json"];

export type Pending = { file: File; progress: number; done?: Uploaded; error?: string };

/** The limits of product §8, checked in the browser too (the server checks them again). */
const ATTACHMENT_LIMITS = { files: 10, fileBytes: 10 * 1024 * 1024, totalBytes: 25 * 1024 * 1024 };

/** What stops a message's files from leaving: a file refused or still on its way, named; undefined when all are sent. */
export function uploadProblem(files: Pending[]): string | undefined {
  const refused = files.find((f) => f.error);
  const waiting = files.find((f) => !f.done);
  return refused
    ? `le fichier « ${refused.file.name} » est refusé (${(refused.error ?? "").replace(/\.$/, "")}) : retirez-le ou remplacez-le avant d'envoyer.`
    : waiting && `le fichier « ${waiting.file.name} » est encore en cours d'envoi : attendez la fin de son envoi.`;
}

/**
 * The uploads a message sends, once every chosen file is sent: a file refused or still on its way stops the sending
 * with an error naming it (the field « Pièces jointes »), never a message that leaves without it.
 */
export function uploadedIds(files: Pending[]): string[] {
  const problem = uploadProblem(files);
  if (problem) throw new ApiError(400, "invalid_request", `Pièces jointes : ${problem}`, undefined, { issues: [{ field: "uploadIds", message: problem }] });
  return files.flatMap((f) => (f.done ? [f.done.uploadId] : []));
}

/** Files chosen for a message, uploaded at once with a progress bar each (agents upload to the back office). */
export function Attachments({
  value,
  onChange,
  agent = false,
  id = "pieces-jointes",
  label = "Pièces jointes",
  error,
}: {
  value: Pending[];
  onChange: (p: Pending[]) => void;
  agent?: boolean;
  /** The field's id and label (a page with two upload fields gives each its own). */
  id?: string;
  label?: string;
  /** The form's error on this field (a refused file it would have sent), shown under it. */
  error?: string | undefined;
}) {
  const add = (files: FileList | null) => {
    if (!files) return;
    // Refused here, before a byte is sent: a file over the limit, beyond the count, or over the total.
    let total = value.filter((v) => !v.error).reduce((n, v) => n + v.file.size, 0);
    let count = value.filter((v) => !v.error).length;
    const added = [...files].map((file): Pending => {
      if (file.size > ATTACHMENT_LIMITS.fileBytes)
        return { file, progress: 0, error: `trop volumineux (${frenchSize(file.size)}) : 10 Mo au plus par fichier.` };
      if (count + 1 > ATTACHMENT_LIMITS.files) return { file, progress: 0, error: "10 fichiers au plus par message." };
      if (total + file.size > ATTACHMENT_LIMITS.totalBytes) return { file, progress: 0, error: "25 Mo au plus en tout : retirez un autre fichier d'abord." };
      count++;
      total += file.size;
      return { file, progress: 0 };
    });
    let current = [...value, ...added];
    onChange(current);
    for (const p of added.filter((a) => !a.error)) {
      uploadFile(
        p.file,
        (f) => {
          current = current.map((x) => (x === p ? { ...x, progress: f } : x));
          onChange(current);
        },
        agent ? "/api/v1/backoffice/uploads" : "/api/v1/uploads",
      ).then(
        (done) => {
          current = current.map((x) => (x.file === p.file ? { ...x, progress: 1, done } : x));
          onChange(current);
        },
        (e: unknown) => {
          current = current.map((x) => (x.file === p.file ? { ...x, error: e instanceof Error ? e.message : String(e) } : x));
          onChange(current);
        },
      );
    }
  };
  return (
    <div className={`fr-upload-group fr-mb-3w${error ? " fr-input-group--error" : ""}`}>
      <label className="fr-label" htmlFor={id}>
        {label}
        <span className="fr-hint-text">10 fichiers au plus, 10 Mo chacun, 25 Mo en tout. Formats : PDF, JPEG, PNG, ODT, ODS, DOCX, XLSX, CSV, TXT.</span>
      </label>
      <input
        className="fr-upload"
        type="file"
        id={id}
        multiple
        onChange={(e) => add(e.target.files)}
        accept=".pdf,.jpg,.jpeg,.png,.odt,.ods,.docx,.xlsx,.csv,.txt"
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-fichiers${error ? ` ${id}-erreur` : ""}`}
      />
      {error && (
        <p id={`${id}-erreur`} className="fr-error-text">
          {capitalised(error)}
        </p>
      )}
      {/* A file refused or sent is announced where it is listed. */}
      <ul className="fr-mt-2w" id={`${id}-fichiers`} aria-live="polite">
        {value.map((p, i) => (
          <li key={`${p.file.name}-${i}`} className="fr-text--sm">
            {p.file.name} —{" "}
            {p.error ? (
              <span className="fr-error-text fr-mt-0">{p.error}</span>
            ) : p.done ? (
              "envoyé"
            ) : (
              <progress max={1} value={p.progress} aria-label={`Envoi de ${p.file.name}`}>
                {Math.round(p.progress * 100)} %
              </progress>
            )}{" "}
            <button type="button" className="fr-link fr-text--sm" onClick={() => onChange(value.filter((x) => x !== p))}>
              retirer<span className="fr-sr-only"> {p.file.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Write() {
  const { person } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // The company chosen in the list (its rights come with it), or given in the address (« Écrire pour… »).
  const [picked, setPicked] = useState<Pick<Company, "siren" | "myRights"> | null>(null);
  const [siren, setSiren] = useState(params.get("siren") ?? "");
  const [tax, setTax] = useState("");
  const [nature, setNature] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [files, setFiles] = useState<Pending[]>([]);
  // A company given in the address: its rights, asked for, decide the taxes offered.
  const given = useCompany(siren, Boolean(person) && Boolean(siren) && picked?.siren !== siren);
  const company = picked?.siren === siren ? picked : (given.data ?? null);
  const scopes = company?.myRights.filter((r) => r.service === "messagerie").map((r) => r.taxScope);
  const taxes = TAXES.filter((t) => scopes?.some((s) => s === null || s.includes(t.code)));
  const natures = NATURES.filter((n) => !n.onlyFor || n.onlyFor === tax);
  const { run, busy, error } = useAction(
    async () => {
      // The button is never disabled: a submit names every field still to fill (the steps in their order: the
      // company, then its tax, then the nature), in the error summary that takes the focus.
      refuseFields({
        siren: !siren && "choisissez l'entreprise pour laquelle vous écrivez.",
        tax: !!siren && !tax && "choisissez l'impôt concerné.",
        nature: !!tax && !nature && "choisissez la nature de la demande.",
        subject: !subject.trim() && "saisissez l'objet de la demande.",
        body: !body.trim() && "saisissez votre message.",
        uploadIds: uploadProblem(files),
      });
      const created = await ok(
        client.POST("/api/v1/requests", {
          body: {
            siren,
            tax: tax as NewRequest["tax"],
            nature: nature as NewRequest["nature"],
            subject,
            body,
            uploadIds: uploadedIds(files),
          },
        }),
      );
      void navigate(`/demandes/${created.id}?deposee=1`);
    },
    // The inbox and the portfolio's counts of open requests.
    [requestKeys.all, ["companies"]],
  );
  const errors = useFormErrors(error, {
    siren: "Entreprise",
    tax: "Impôt",
    nature: "Nature de la demande",
    subject: "Objet",
    body: "Message",
    uploadIds: "Pièces jointes",
  });
  if (person === null) return <Navigate to="/connexion" replace />;
  return (
    <Page
      title="Écrire à l'administration"
      trail={[{ label: "Mon espace", to: "/mon-espace" }]}
      lead="Choisissez l'entreprise, puis l'impôt, puis la nature de votre demande."
    >
      <FormColumn>
        {errors.summary}
        <form onSubmit={(e) => void run(e)} noValidate>
          <CompanyCombobox
            label="Entreprise"
            service="messagerie"
            value={siren}
            inputId={errors.id("siren")}
            error={errors.fields.siren}
            onChange={(c) => {
              setPicked(c ? { siren: c.siren, myRights: c.rights } : null);
              setSiren(c?.siren ?? "");
              setTax("");
              setNature("");
            }}
          />
          <Select
            label="Impôt"
            disabled={!company || company.siren !== siren}
            {...errors.props("tax")}
            nativeSelectProps={{ ...errors.native("tax"), value: tax, onChange: (e) => (setTax(e.target.value), setNature("")) }}
          >
            <option value="">Choisir</option>
            {taxes.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </Select>
          <Select
            label="Nature de la demande"
            disabled={!tax}
            {...errors.props("nature")}
            nativeSelectProps={{ ...errors.native("nature"), value: nature, onChange: (e) => setNature(e.target.value) }}
          >
            <option value="">Choisir</option>
            {natures.map((n) => (
              <option key={n.code} value={n.code}>
                {n.label}
              </option>
            ))}
          </Select>
          <Input
            label="Objet"
            hintText="150 caractères au plus."
            nativeInputProps={{ ...errors.native("subject"), value: subject, maxLength: 150, onChange: (e) => setSubject(e.target.value) }}
            {...errors.props("subject")}
          />
          <Input
            label="Message"
            textArea
            hintText="10 000 caractères au plus."
            nativeTextAreaProps={{ ...errors.native("body"), value: body, maxLength: 10_000, rows: 8, onChange: (e) => setBody(e.target.value) }}
            {...errors.props("body")}
          />
          <Attachments value={files} onChange={setFiles} id={errors.id("uploadIds")} error={errors.fields.uploadIds} />
          <Button type="submit" disabled={busy}>
            Envoyer la demande
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
