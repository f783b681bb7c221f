import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { client, ok } from "../../../shared/api/client";
import { ErrorAlert } from "../../../shared/components/page";
import { describeTimelineStep } from "../../../../../src/shared/timeline";
import { dateTime, type AgentRequest as Detail } from "../shared/backoffice";
import { backofficeKeys } from "../queries";

/** Who opened the request: one line per agent (the journal keeps every opening; a reload is not news). */
export function Consultations({ r }: { r: Detail }) {
  if (r.openings.length === 0) return null;
  return (
    <section aria-labelledby="consultations" className="fr-mt-4w">
      <h2 id="consultations" className="fr-h5">
        Consultations
      </h2>
      <ul>
        {r.openings.map((o) => (
          <li key={o.agent.id}>
            Consultée par {o.agent.displayName}, {o.count} fois, dernière le {dateTime(o.lastAt)}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** « Chronologie »: the request's story, oldest first, each step with its actor. */
export function Timeline({ id, version }: { id: string; version: number }) {
  const [open, setOpen] = useState(false);
  const timeline = useQuery({
    queryKey: [...backofficeKeys.request(id), "timeline", version],
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/requests/{id}/timeline", { params: { path: { id } }, signal })),
    // Read when the agent unfolds it.
    enabled: open,
  });
  return (
    <details className="fr-mt-4w" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <h2 className="fr-h5 fr-mb-0" style={{ display: "inline" }}>
          Chronologie
        </h2>
      </summary>
      <ErrorAlert error={timeline.error ?? undefined} />
      {!open ? null : timeline.data ? (
        <ol>
          {timeline.data.items.map((i, n) => (
            <li key={n}>
              <time dateTime={i.at}>{dateTime(i.at)}</time> — <span style={{ whiteSpace: "pre-wrap" }}>{describeTimelineStep(i, dateTime)}</span>
            </li>
          ))}
        </ol>
      ) : (
        !timeline.error && <p>Chargement…</p>
      )}
    </details>
  );
}
