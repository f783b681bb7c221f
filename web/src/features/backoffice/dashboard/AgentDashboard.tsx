import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { type Reply } from "../../../shared/api/types";
import { ErrorAlert } from "../../../shared/components/page";
import { ScrollingTable } from "../../../shared/components/table";
import { AgentPage, AGENT_STATUS_LABELS } from "../shared/backoffice";
import { useStats } from "../queries";
import { calendarDayPlus, parisDay } from "../../../../../src/shared/dates";

type Stats = Reply<"/api/v1/backoffice/stats", "get">;

/** A duration given in hours to the tenth: 0 is under six minutes (a real figure, not an empty series — that is null). */
const hours = (h: number | null) =>
  h === null
    ? "—"
    : h === 0
      ? "moins de 6 min"
      : h < 48
        ? `${h.toLocaleString("fr-FR")} h`
        : `${(h / 24).toLocaleString("fr-FR", { maximumFractionDigits: 1 })} j`;
/** DSFR colours: blue France for received, green for answered. */
const BLUE = "#000091";
const GREEN = "#18753c";

/** The supervisors' dashboard (product §9): per service and period, with charts, figures and a CSV export. */
export function AgentDashboard() {
  return (
    <AgentPage title="Tableau de bord">
      {(agent) =>
        agent.isSupervisor ? (
          <Dashboard services={agent.services} />
        ) : (
          <Alert severity="info" small description="Le tableau de bord est réservé aux superviseurs." />
        )
      }
    </AgentPage>
  );
}

function Dashboard({ services }: { services: { code: string; name: string }[] }) {
  // The last 30 days of the Paris calendar, today included (23:30 UTC is already tomorrow in Paris).
  const today = parisDay(new Date());
  const [form, setForm] = useState({ service: services[0]?.code ?? "", from: calendarDayPlus(today, -29), to: today });
  const [applied, setApplied] = useState(form);
  const { data: stats, error } = useStats(applied);
  // The same figures as a file: a download link, not a call of the page.
  const csv = `/api/v1/backoffice/stats.csv?${new URLSearchParams(applied).toString()}`;
  const backlog = stats ? (Object.keys(stats.backlog) as (keyof Stats["backlog"])[]).map((k) => ({ state: AGENT_STATUS_LABELS[k], n: stats.backlog[k] })) : [];
  return (
    <>
      <form
        className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom fr-mb-3w"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        <div className="fr-col-12 fr-col-md-4">
          <Select label="Service" nativeSelectProps={{ value: form.service, onChange: (e) => setForm({ ...form, service: e.target.value }) }}>
            {services.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Input label="Du" nativeInputProps={{ type: "date", value: form.from, onChange: (e) => setForm({ ...form, from: e.target.value }) }} />
        </div>
        <div className="fr-col-6 fr-col-md-3">
          <Input label="Au (inclus)" nativeInputProps={{ type: "date", value: form.to, onChange: (e) => setForm({ ...form, to: e.target.value }) }} />
        </div>
        <div className="fr-col-12 fr-col-md-2">
          <Button type="submit">Afficher</Button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {stats && (
        <>
          <div className="fr-grid-row fr-grid-row--gutters fr-mb-3w">
            {[
              ["Reçues sur la période", String(stats.totals.received)],
              ["Traitées (première réponse)", String(stats.totals.answered)],
              ["Délai médian de première réponse", hours(stats.firstAnswer.medianHours)],
              ["90e centile", hours(stats.firstAnswer.p90Hours)],
              ["En retard aujourd'hui", String(stats.overdue)],
            ].map(([label, value]) => (
              <div key={label} className="fr-col-6 fr-col-md">
                <div className="fr-tile fr-tile--sm">
                  <div className="fr-tile__body">
                    <p className="fr-tile__title">{value}</p>
                    <p className="fr-tile__desc">{label}</p>
                  </div>
                </div>
              </div>
            ))}
          </div>
          {!stats.firstAnswer.exact && (
            <p className="fr-text--sm fr-mb-3w">
              Plus de 20 000 premières réponses sur la période : les délais sont calculés par tranches et exacts à 5 % près.
            </p>
          )}
          <h2 className="fr-h4">Reçues et traitées par jour</h2>
          <figure className="fr-mb-3w" aria-describedby="jours-table">
            <div style={{ width: "100%", height: 300 }} aria-hidden="true">
              <ResponsiveContainer>
                {/* The chart is a picture of the table below (aria-hidden): no keyboard stop inside it. */}
                <BarChart data={stats.days} accessibilityLayer={false}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="date" tickFormatter={(d: string) => d.slice(8, 10) + "/" + d.slice(5, 7)} interval="preserveStartEnd" minTickGap={16} />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="received" name="Reçues" fill={BLUE} />
                  <Bar dataKey="answered" name="Traitées" fill={GREEN} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <h2 className="fr-h4">Stock par état</h2>
          <div style={{ width: "100%", height: 220 }} aria-hidden="true">
            <ResponsiveContainer>
              <BarChart data={backlog} layout="vertical" margin={{ left: 16 }} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" allowDecimals={false} />
                <YAxis type="category" dataKey="state" width={190} interval={0} />
                <Tooltip />
                <Bar dataKey="n" name="Demandes" fill={BLUE} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <AgentsTable agents={stats.agents} />
          <p>
            <a className="fr-link fr-icon-download-line fr-link--icon-left" href={csv} download>
              Exporter en CSV
            </a>
          </p>
          <details>
            <summary>Données du graphique (tableau)</summary>
            <div className="fr-table" id="jours-table">
              <table>
                <caption>Reçues et traitées par jour</caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Reçues</th>
                    <th scope="col">Traitées</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.days.map((d) => (
                    <tr key={d.date}>
                      <td>{d.date}</td>
                      <td>{d.received}</td>
                      <td>{d.answered}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ul>
              {backlog.map((b) => (
                <li key={b.state}>
                  {b.state} : {b.n}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </>
  );
}

/**
 * Per agent over the period (product §18): the first answers he wrote, their median time, and the open requests
 * assigned to him now. An agent without a first answer has no median: said in words, never « 0 h ».
 */
function AgentsTable({ agents }: { agents: Stats["agents"] }) {
  return (
    <>
      <h2 className="fr-h4">Par agent</h2>
      {agents.length === 0 ? (
        <p>Aucun agent dans ce service.</p>
      ) : (
        <ScrollingTable caption="Premières réponses, délai médian et demandes ouvertes attribuées, par agent" hideCaption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Premières réponses sur la période</th>
              <th scope="col">Délai médian de première réponse</th>
              <th scope="col">Demandes ouvertes attribuées (aujourd'hui)</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.agent.id}>
                <th scope="row">{a.agent.displayName}</th>
                <td>{a.answered}</td>
                <td>{a.medianFirstAnswerHours === null ? "sans réponse sur la période" : hours(a.medianFirstAnswerHours)}</td>
                <td>{a.openAssigned}</td>
              </tr>
            ))}
          </tbody>
        </ScrollingTable>
      )}
    </>
  );
}
