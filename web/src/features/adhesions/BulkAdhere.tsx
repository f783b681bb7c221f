import { useState } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { client, ok, postForm } from "../../shared/api/client";
import type { ServiceCode } from "../../shared/api/types";
import { capitalised, ErrorAlert, Page, refuseFields, useAction, useFormErrors } from "../../shared/components/page";
import { useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { adhesionKeys, useAdhesionBatch } from "./queries";

const MAX_LINES = 500;

/** Lines pasted from a spreadsheet: a SIREN, then optionally the company's address, separated by ; , tab or space. */
function pastedLines(text: string): { siren: string; companyEmail?: string }[] {
  const lines = text.replace(/\r/g, "").split("\n");
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines.map((l) => {
    const [first = "", ...rest] = l.split(/[;,\t]/);
    const email = rest.map((x) => x.trim()).find((x) => x.includes("@"));
    return { siren: first.replace(/\s/g, ""), ...(email ? { companyEmail: email } : {}) };
  });
}

/** The result of a batch: progress while it runs, then one line per SIREN with its outcome. */
function BatchReport({ batchId }: { batchId: string }) {
  const { data: batch, error } = useAdhesionBatch(batchId);
  if (error) return <ErrorAlert error={error} />;
  if (!batch) return <p>Chargement du rapport…</p>;
  return (
    <section aria-labelledby="rapport" className="fr-mt-4w">
      <h2 id="rapport">Résultat de la demande groupée</h2>
      <label htmlFor="progression" className="fr-label">
        Progression : {batch.done} ligne{batch.done > 1 ? "s" : ""} traitée{batch.done > 1 ? "s" : ""} sur {batch.total}
      </label>
      <progress id="progression" max={batch.total} value={batch.done} style={{ width: "100%" }} />
      <p role="status" className="fr-mt-1w">
        {batch.status === "running"
          ? "Traitement en cours…"
          : `Terminé : ${batch.created} demande${batch.created > 1 ? "s" : ""} créée${batch.created > 1 ? "s" : ""} (chaque entreprise recevra son courrier), ${batch.refused} refusée${batch.refused > 1 ? "s" : ""}.`}
      </p>
      {batch.status === "done" && (
        <p>
          <a className="fr-link fr-icon-download-line fr-link--icon-left" href={`/api/v1/adhesions/batch/${batch.id}/report.csv`} download>
            Télécharger le rapport (CSV)
          </a>
          {" · "}
          <Link className="fr-link" to="/mon-espace?pendingAdhesion=true">
            Voir les entreprises en attente de leur code
          </Link>
        </p>
      )}
      <div className="fr-table fr-table--bordered" style={{ overflowX: "auto" }}>
        <table>
          <caption>Résultat ligne par ligne</caption>
          <thead>
            <tr>
              <th scope="col">Ligne</th>
              <th scope="col">SIREN</th>
              <th scope="col">Entreprise</th>
              <th scope="col">Résultat</th>
            </tr>
          </thead>
          <tbody>
            {batch.items.map((i) => (
              <tr key={i.line}>
                <td>{i.line}</td>
                <td>{i.siren || "—"}</td>
                <td>{i.companyName ?? "—"}</td>
                <td>
                  {i.status === "created" && (
                    <Badge small severity="success">
                      Demande créée
                    </Badge>
                  )}
                  {i.status === "pending" && (
                    <Badge small severity="info">
                      En cours
                    </Badge>
                  )}
                  {i.status === "refused" && (
                    <>
                      <Badge small severity="error">
                        Refusée
                      </Badge>{" "}
                      {i.error?.message}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Bulk adhesion (product §14): up to 500 SIREN pasted or in a CSV, one quality and one set of services. */
export function BulkAdhere() {
  const { person } = useSession();
  const catalogue = useCatalogue();
  const [params, setParams] = useSearchParams();
  const batchId = params.get("lot");
  const [pasted, setPasted] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [quality, setQuality] = useState<"legal_representative" | "mandated">("mandated");
  const [services, setServices] = useState<ServiceCode[]>(["messagerie"]);
  const lines = pastedLines(pasted);
  const tooMany = lines.length > MAX_LINES;
  const { run, busy, error } = useAction(async () => {
    // The button stays enabled: what is missing is named in the error summary, which takes the focus.
    refuseFields({
      items: tooMany
        ? `${lines.length} lignes : 500 au plus par demande.`
        : !file && lines.length === 0 && "collez au moins un SIREN, ou choisissez un fichier CSV.",
      services: services.length === 0 && "choisissez au moins un service.",
    });
    // One key per submission: a retried click creates nothing twice.
    const key = crypto.randomUUID();
    let created: { batchId: string };
    if (file) {
      const form = new FormData();
      form.append("quality", quality);
      form.append("services", services.join(","));
      form.append("file", file);
      created = await postForm("/api/v1/adhesions/batch", form, { "Idempotency-Key": key });
    } else {
      // The OpenAPI document leaves this route's body undescribed (it also takes a multipart form): typed by hand.
      const body: { quality: typeof quality; services: ServiceCode[]; items: typeof lines } = { quality, services, items: lines };
      created = await ok(client.POST("/api/v1/adhesions/batch", { params: { header: { "idempotency-key": key } }, body: body as never }));
    }
    setParams({ lot: created.batchId });
  }, [adhesionKeys.all]);
  const errors = useFormErrors(
    error,
    { items: "SIREN, un par ligne", file: "Ou un fichier CSV", services: "Services demandés pour chaque entreprise" },
    {},
    { ids: { items: "siren-liste", file: "fichier-csv", services: "services-demandes-0" } },
  );
  // Too many lines is said as they are pasted, before any submit.
  const itemsProblem = errors.fields.items ?? (tooMany ? `${lines.length} lignes : 500 au plus par demande.` : undefined);
  if (person === null) return <Navigate to="/connexion" replace />;
  const toggle = (code: ServiceCode, on: boolean) => setServices(on ? [...services, code] : services.filter((s) => s !== code));
  return (
    <Page
      title="Adhérer pour plusieurs entreprises"
      lead="Jusqu'à 500 SIREN à la fois. Chaque entreprise recevra son propre courrier d'activation à l'adresse de son siège, qui vous nomme : elle saura que vous demandez à agir pour elle."
    >
      {batchId ? (
        <>
          <BatchReport batchId={batchId} />
          <p className="fr-mt-4w">
            <Button priority="secondary" onClick={() => setParams({})}>
              Nouvelle demande groupée
            </Button>
          </p>
        </>
      ) : (
        <form onSubmit={(e) => void run(e)} noValidate>
          {errors.summary}
          <div className="fr-grid-row fr-grid-row--gutters">
            <div className="fr-col-12 fr-col-md-6">
              <Input
                label="SIREN, un par ligne"
                hintText="Collez une colonne d'un tableur. Pour demander la messagerie d'une entreprise qui n'a pas encore d'adresse électronique vérifiée, ajoutez-la après un point-virgule : 812345676;contact@entreprise.fr"
                textArea
                nativeTextAreaProps={{
                  ...errors.native("items"),
                  ...(itemsProblem ? { "aria-invalid": true } : {}),
                  rows: 12,
                  value: pasted,
                  disabled: !!file,
                  onChange: (e) => setPasted(e.target.value),
                  spellCheck: false,
                }}
                {...(itemsProblem ? { state: "error" as const, stateRelatedMessage: capitalised(itemsProblem) } : {})}
              />
              <p className="fr-text--sm" aria-live="polite">
                {lines.length} ligne{lines.length > 1 ? "s" : ""}
              </p>
            </div>
            <div className="fr-col-12 fr-col-md-6">
              <div className={`fr-upload-group${errors.fields.file ? " fr-input-group--error" : ""}`}>
                <label className="fr-label" htmlFor="fichier-csv">
                  Ou un fichier CSV
                  <span className="fr-hint-text">
                    Une colonne « siren » et, au besoin, une colonne « companyEmail ». Séparateur point-virgule ou virgule, UTF-8. 500 lignes au plus.
                  </span>
                </label>
                <input
                  className="fr-upload"
                  type="file"
                  accept=".csv,text/csv"
                  onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                  {...errors.native("file")}
                  {...(errors.fields.file ? { "aria-describedby": "fichier-csv-erreur" } : {})}
                />
                {errors.fields.file && (
                  <p id="fichier-csv-erreur" className="fr-error-text">
                    {capitalised(errors.fields.file)}
                  </p>
                )}
              </div>
            </div>
          </div>
          <RadioButtons
            legend="Votre qualité"
            name="quality"
            options={[
              {
                label: "Représentant légal des entreprises",
                nativeInputProps: { checked: quality === "legal_representative", onChange: () => setQuality("legal_representative") },
              },
              {
                label: "Personne mandatée (expert-comptable, salarié…)",
                nativeInputProps: { checked: quality === "mandated", onChange: () => setQuality("mandated") },
              },
            ]}
          />
          <Checkbox
            legend="Services demandés pour chaque entreprise"
            // Its boxes are « services-demandes-0 », « -1 »…: the summary's link goes to the first.
            id="services-demandes"
            state={errors.fields.services ? "error" : "default"}
            stateRelatedMessage={errors.fields.services ? capitalised(errors.fields.services) : undefined}
            options={catalogue.map((s) => {
              const code = s.code as ServiceCode;
              return {
                label: s.label,
                nativeInputProps: {
                  name: "services",
                  value: code,
                  checked: services.includes(code),
                  onChange: (e) => toggle(code, e.target.checked),
                },
              };
            })}
          />
          <Button type="submit" disabled={busy}>
            Envoyer les demandes
          </Button>
        </form>
      )}
    </Page>
  );
}
