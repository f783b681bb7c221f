import { useState } from "react";
import { Navigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { client, ok } from "../../shared/api/client";
import { frenchDateTime, frenchSize, TAXES } from "../../shared/api/types";
import { ErrorAlert, fieldErrors, Page, useAction } from "../../shared/components/page";
import { CompanyPicker, type Picked } from "../../shared/components/CompanyPicker";
import { useSession } from "../../shared/session";
import { exportKeys, useExports, type ExportRequest } from "./queries";

const STATUS = { running: "En préparation", ready: "Prêt", failed: "Échec" } as const;

/**
 * Signed exports (product §14): the threads one may see, for chosen companies, as one ZIP (transcripts,
 * receipts, attachments, a signed manifest), prepared in the background and kept 7 days.
 */
export function Exports() {
  const { person } = useSession();
  const [companies, setCompanies] = useState<Picked[]>([]);
  const [tax, setTax] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const exports = useExports(Boolean(person));
  const jobs = exports.data;
  const { run, busy, error } = useAction(async () => {
    const body: ExportRequest = {
      ...(companies.length ? { sirens: companies.map((c) => c.siren) } : {}),
      ...(tax ? { tax: tax as NonNullable<ExportRequest["tax"]> } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    };
    await ok(client.POST("/api/v1/exports", { body }));
  }, [exportKeys.all]);
  if (person === null) return <Navigate to="/connexion" replace />;
  const fields = fieldErrors(error);
  return (
    <Page
      title="Exporter mes échanges"
      lead="Une archive ZIP signée : pour chaque demande, les échanges en PDF, l'accusé de réception et les pièces jointes ; un manifeste donne l'empreinte de chaque fichier. Seules y figurent les demandes que vous pouvez consulter."
    >
      <form onSubmit={(e) => void run(e)} noValidate>
        <ErrorAlert error={error && Object.keys(fields).length === 0 ? error : undefined} />
        <CompanyPicker
          label="Entreprises"
          hint="Toutes si vous n'en choisissez aucune. Tapez une partie du nom ou le début du SIREN."
          service="messagerie"
          value={companies}
          onChange={setCompanies}
          max={10_000}
        />
        <div className="fr-grid-row fr-grid-row--gutters">
          <div className="fr-col-12 fr-col-md-4">
            <Select label="Impôt" nativeSelectProps={{ value: tax, onChange: (e) => setTax(e.target.value) }}>
              <option value="">Tous</option>
              {TAXES.map((t) => (
                <option key={t.code} value={t.code}>
                  {t.label}
                </option>
              ))}
            </Select>
          </div>
          <div className="fr-col-6 fr-col-md-4">
            <Input
              label="Déposées depuis le"
              nativeInputProps={{ type: "date", value: from, onChange: (e) => setFrom(e.target.value) }}
              {...(fields.from ? { state: "error" as const, stateRelatedMessage: fields.from } : {})}
            />
          </div>
          <div className="fr-col-6 fr-col-md-4">
            <Input label="Jusqu'au" nativeInputProps={{ type: "date", value: to, onChange: (e) => setTo(e.target.value) }} />
          </div>
        </div>
        <Button type="submit" disabled={busy}>
          Préparer l'export
        </Button>
      </form>
      <h2 className="fr-mt-6w">Mes exports des 7 derniers jours</h2>
      <ErrorAlert error={exports.error} />
      {jobs && jobs.length === 0 && <p>Aucun export.</p>}
      {jobs && jobs.length > 0 && (
        <div className="fr-table fr-table--bordered" style={{ overflowX: "auto" }}>
          <table>
            <caption>Mes exports</caption>
            <thead>
              <tr>
                <th scope="col">Demandé le</th>
                <th scope="col">État</th>
                <th scope="col">Demandes</th>
                <th scope="col">Fichier</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td>{frenchDateTime(j.createdAt)}</td>
                  <td>
                    {STATUS[j.status]}
                    {j.status === "running" && (
                      <>
                        {" "}
                        <progress max={1} value={j.progress} aria-label={`Progression de l'export du ${frenchDateTime(j.createdAt)}`} />
                      </>
                    )}
                  </td>
                  <td>{j.requests}</td>
                  <td>
                    {j.status === "ready" ? (
                      <a className="fr-link fr-icon-download-line fr-link--icon-left" href={`/api/v1/exports/${j.id}/download`} download>
                        {`Télécharger (${frenchSize(j.size ?? 0)}), jusqu'au ${frenchDateTime(j.expiresAt!)}`}
                      </a>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
