import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { postForm } from "../../shared/api/client";
import { frenchDateTime, frenchDeadline, natureLabel } from "../../shared/api/types";
import { ErrorAlert, FormColumn, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { MoreButton } from "../../shared/query";
import { AgentPage } from "../backoffice/shared/backoffice";
import { EMPTY_MESSAGE, MESSAGE_FIELD_LABELS, MessageForm, messagePayload, messageProblems, type MessageFields } from "./AgentWrite";
import { correspondenceKeys, useCampaign, useCampaigns, useRecipients, type RecipientFilters } from "./queries";

const STATUS = { scheduled: "Programmée", running: "En cours", done: "Terminée" } as const;
const RESULT = { pending: "En attente", thread: "Message publié", letter: "Courrier postal", refused: "Non adressé" } as const;
/** DSFR colours of the chart's series. */
const COLOURS = { published: "#000091", read: "#6a6af4", acknowledged: "#18753c", replied: "#b34000" };

/** Campaigns (supervisors, product §16): the list, and a new one from a CSV of SIREN. */
export function AgentCampaigns() {
  return (
    <AgentPage
      title="Campagnes"
      lead="Un même message à une liste d'entreprises (jusqu'à 100 000 SIREN) : un fil et une référence pour chacune, un courrier pour celles qui n'ont pas la messagerie."
    >
      {(agent) => (agent.isSupervisor ? <Campaigns /> : <Alert severity="info" small description="Les campagnes sont réservées aux superviseurs." />)}
    </AgentPage>
  );
}

function Campaigns() {
  // The back office's live events and a new campaign refresh it (its key starts with "backoffice").
  const list = useCampaigns();
  return (
    <>
      <NewCampaign />
      <h2 className="fr-mt-6w">Campagnes de vos services</h2>
      <ErrorAlert error={list.error} />
      {list.items && list.items.length === 0 && <p>Aucune campagne.</p>}
      {list.items && list.items.length > 0 && (
        <div className="fr-table fr-table--bordered">
          <table>
            <caption className="fr-sr-only">Campagnes</caption>
            <thead>
              <tr>
                <th scope="col">Objet</th>
                <th scope="col">État</th>
                <th scope="col">Publication</th>
                <th scope="col">Lignes</th>
                <th scope="col">Fils</th>
                <th scope="col">Courriers</th>
                <th scope="col">Non adressées</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/agent/campagnes/${c.id}`} id={`campagne-${c.id}`}>
                      {c.subject}
                    </Link>
                    <br />
                    <span className="fr-text--xs">
                      {c.tax} — {natureLabel(c.nature)} — {c.fileName}
                    </span>
                  </td>
                  <td>{STATUS[c.status]}</td>
                  <td>{frenchDateTime(c.publishAt)}</td>
                  <td>
                    {c.done.toLocaleString("fr-FR")} / {c.total.toLocaleString("fr-FR")}
                  </td>
                  <td>{c.threads.toLocaleString("fr-FR")}</td>
                  <td>{c.letters.toLocaleString("fr-FR")}</td>
                  <td>{c.refused.toLocaleString("fr-FR")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton list={list} itemId={(c) => `campagne-${c.id}`} />
    </>
  );
}

function NewCampaign() {
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<MessageFields>(EMPTY_MESSAGE);
  const { run, busy, error } = useAction(async () => {
    refuseFields({ file: !file && "choisissez le fichier CSV des SIREN.", ...messageProblems(message) });
    const form = new FormData();
    for (const [k, v] of Object.entries(messagePayload(message))) form.append(k, String(v));
    if (file) form.append("file", file);
    const created = await postForm("/api/v1/backoffice/campaigns", form);
    void navigate(`/agent/campagnes/${created.campaignId}`);
  }, [correspondenceKeys.campaigns]);
  const errors = useFormErrors(error, { file: "Fichier des SIREN (CSV)", ...MESSAGE_FIELD_LABELS });
  return (
    <FormColumn>
      <h2>Nouvelle campagne</h2>
      {errors.summary}
      <form onSubmit={(e) => void run(e)} noValidate>
        <Input
          label="Fichier des SIREN (CSV)"
          hintText="Une colonne « siren » (les autres colonnes sont ignorées), séparateur virgule ou point-virgule, 100 000 lignes au plus."
          nativeInputProps={{ ...errors.native("file"), type: "file", accept: ".csv,text/csv", onChange: (e) => setFile(e.target.files?.[0] ?? null) }}
          {...errors.props("file")}
        />
        <MessageForm value={message} onChange={setMessage} errors={errors} />
        <Button type="submit" disabled={busy}>
          Lancer la campagne
        </Button>
      </form>
    </FormColumn>
  );
}

/** One campaign: progress, figures per day (chart and table), the report line by line and as CSV. */
export function AgentCampaign() {
  const { id = "" } = useParams();
  return <AgentPage title="Campagne">{() => <CampaignView id={id} />}</AgentPage>;
}

function CampaignView({ id }: { id: string }) {
  // While the worker writes it, the progress is read again every two seconds (useCampaign).
  const detail = useCampaign(id);
  const campaign = detail.data;
  const [status, setStatus] = useState<RecipientFilters["status"]>("");
  const [q, setQ] = useState("");
  const [applied, setApplied] = useState<RecipientFilters>({ status: "", q: "" });
  const lines = useRecipients(id, applied, campaign?.status === "done");
  if (detail.error) return <ErrorAlert error={detail.error} />;
  if (!campaign) return <p>Chargement…</p>;
  const f = campaign.figures;
  return (
    <>
      <h2>{campaign.subject}</h2>
      <p>
        <Badge severity={campaign.status === "done" ? "success" : "info"}>{STATUS[campaign.status]}</Badge> {campaign.tax} — {natureLabel(campaign.nature)} —
        publication le {frenchDateTime(campaign.publishAt)}
        {campaign.acknowledgementRequired ? " — accusé de réception demandé" : ""}
        {campaign.replyDueAt ? ` — réponse attendue avant le ${frenchDeadline(campaign.replyDueAt)}` : ""}
      </p>
      <div className="fr-mb-3w">
        <label htmlFor="avancement" className="fr-label">
          Avancement : {campaign.done.toLocaleString("fr-FR")} lignes traitées sur {campaign.total.toLocaleString("fr-FR")}
        </label>
        <progress id="avancement" max={campaign.total} value={campaign.done} style={{ width: "100%" }} />
      </div>
      <div className="fr-grid-row fr-grid-row--gutters fr-mb-3w">
        {[
          ["Fils publiés", campaign.threads],
          ["Courriers postaux", campaign.letters],
          ["Non adressées", campaign.refused],
          ["Lus", f.read],
          ["Accusés de réception", f.acknowledged],
          ["Réponses", f.replied],
          ["dont reçues par courrier", f.repliedByPost],
        ].map(([label, value]) => (
          <div key={label} className="fr-col-6 fr-col-md-2">
            <div className="fr-tile fr-tile--sm">
              <div className="fr-tile__body">
                <p className="fr-tile__title">{Number(value).toLocaleString("fr-FR")}</p>
                <p className="fr-tile__desc">{label}</p>
              </div>
            </div>
          </div>
        ))}
      </div>
      <h3 className="fr-h4">Par jour</h3>
      <figure className="fr-mb-3w" aria-describedby="campagne-jours">
        <div style={{ width: "100%", height: 280 }} aria-hidden="true">
          <ResponsiveContainer>
            {/* The chart is a picture of the table below (aria-hidden): no keyboard stop inside it. */}
            <BarChart data={f.perDay} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(8, 10) + "/" + d.slice(5, 7)} />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Bar dataKey="published" name="Publiés" fill={COLOURS.published} />
              <Bar dataKey="read" name="Lus" fill={COLOURS.read} />
              <Bar dataKey="acknowledged" name="Accusés de réception" fill={COLOURS.acknowledged} />
              <Bar dataKey="replied" name="Réponses" fill={COLOURS.replied} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <div className="fr-table" id="campagne-jours">
        <table>
          <caption>Publiés, lus, accusés de réception et réponses (dont par courrier) par jour (heure de Paris)</caption>
          <thead>
            <tr>
              <th scope="col">Jour</th>
              <th scope="col">Publiés</th>
              <th scope="col">Lus</th>
              <th scope="col">Accusés de réception</th>
              <th scope="col">Réponses</th>
              <th scope="col">dont par courrier</th>
            </tr>
          </thead>
          <tbody>
            {f.perDay.map((d) => (
              <tr key={d.day}>
                <td>{d.day.split("-").reverse().join("/")}</td>
                <td>{d.published}</td>
                <td>{d.read}</td>
                <td>{d.acknowledged}</td>
                <td>{d.replied}</td>
                <td>{d.repliedByPost}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 className="fr-h4">Compte rendu</h3>
      <p>
        <a className="fr-link fr-icon-download-line fr-link--icon-left" href={`/api/v1/backoffice/campaigns/${id}/report.csv`} download>
          Télécharger le compte rendu (CSV)
        </a>
      </p>
      {campaign.status !== "done" ? (
        <p>Le compte rendu ligne à ligne sera consultable à la fin de la campagne.</p>
      ) : (
        <>
          <form
            className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-2w"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied({ status, q });
            }}
          >
            <div className="fr-col-12 fr-col-md-4">
              <Select label="Résultat" nativeSelectProps={{ value: status, onChange: (e) => setStatus(e.target.value as RecipientFilters["status"]) }}>
                <option value="">Tous</option>
                {Object.entries(RESULT).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </Select>
            </div>
            <div className="fr-col-12 fr-col-md-5">
              <Input label="SIREN, référence ou nom" nativeInputProps={{ value: q, onChange: (e) => setQ(e.target.value) }} />
            </div>
            <div className="fr-col-12 fr-col-md-3">
              <Button type="submit" priority="secondary">
                Filtrer
              </Button>
            </div>
          </form>
          <ErrorAlert error={lines.error} />
          {lines.items && lines.items.length === 0 && <p>Aucune ligne ne correspond.</p>}
          {lines.items && lines.items.length > 0 && (
            <div className="fr-table fr-table--bordered">
              <table>
                <caption className="fr-sr-only">Lignes de la campagne</caption>
                <thead>
                  <tr>
                    <th scope="col">Ligne</th>
                    <th scope="col">Entreprise</th>
                    <th scope="col">Résultat</th>
                    <th scope="col">Lu</th>
                    <th scope="col">Accusé de réception</th>
                  </tr>
                </thead>
                <tbody>
                  {lines.items.map((l) => (
                    <tr key={l.line}>
                      <td id={`ligne-${l.line}`}>{l.line}</td>
                      <td>
                        {l.companyName ?? "—"}
                        <br />
                        <span className="fr-text--xs">SIREN {l.siren}</span>
                      </td>
                      <td>
                        {RESULT[l.status]}
                        {l.requestId && (
                          <>
                            {" "}
                            <Link to={`/agent/demandes/${l.requestId}`}>{l.reference}</Link>
                          </>
                        )}
                        {l.error && <p className="fr-text--xs fr-mb-0">{l.error.message}</p>}
                      </td>
                      <td>{l.readAt ? frenchDateTime(l.readAt) : "—"}</td>
                      <td>{l.acknowledgedAt ? frenchDateTime(l.acknowledgedAt) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <MoreButton list={lines} itemId={(l) => `ligne-${l.line}`} />
        </>
      )}
    </>
  );
}
