import { useMemo, useRef, useState } from "react";
import { useLocation, useSearchParams } from "react-router";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { NATURES, TAXES } from "../../../shared/api/types";
import { ErrorAlert } from "../../../shared/components/page";
import { MoreButton, useKeysetList } from "../../../shared/query";
import { AgentPage, AGENT_STATUS_LABELS, type QueueCounts, type QueueItem } from "../shared/backoffice";
import { BulkActions, type Picked } from "./BulkActions";
import { backofficeKeys, queuePage, useQueueCounts, type QueueFilters as Filters } from "../queries";
import { EMPTY, filtersFromUrl, filtersToUrl, isEmpty } from "./queueUrl";
import { FIRST_ORDER, QueueTable, queueRowId, type SortKey } from "./QueueTable";
import { QUEUE_SHORTCUTS, ShortcutsDialog } from "../shared/ShortcutsDialog";
import { SavedViews } from "./SavedViews";
import { useShortcuts } from "../shared/shortcuts";

export function AgentHome() {
  // A confirmation carried over from the page the agent left (a request transferred to another service).
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  return (
    <AgentPage title="File d'attente">
      {(agent) => (
        <>
          {notice && <Alert severity="success" small className="fr-mb-3w" description={notice} />}
          <p>
            Bonjour {agent.name}
            {agent.isSupervisor ? " (superviseur)" : ""}. Mes services : {agent.services.map((s) => s.name).join(", ")}.
          </p>
          <Queue agentId={agent.id} />
        </>
      )}
    </AgentPage>
  );
}

const ORIGINS: [string, string][] = [
  ["", "Toutes sauf campagnes sans réponse"],
  ["company", "Entreprises"],
  ["administration", "Administration"],
  ["campaign", "Campagnes"],
];

/** A counter that filters the queue when pressed (and shows, pressed, that it does). */
function Counter({ label, n, pressed, onToggle }: { label: string; n: number; pressed: boolean; onToggle: () => void }) {
  return (
    <li>
      <button type="button" className="fr-tag" aria-pressed={pressed} onClick={onToggle}>
        {label} : {n}
      </button>
    </li>
  );
}

function Queue({ agentId }: { agentId: string }) {
  const [params, setParams] = useSearchParams();
  // The address holds the filters and the sort: a reload, a bookmark or « Précédent » gives the same queue.
  const applied = useMemo(() => filtersFromUrl(params), [params]);
  const [filters, setFilters] = useState<Filters>(applied);
  // The form follows the address when it changes under it (a counter, a sort, « Précédent »).
  const [seen, setSeen] = useState(params.toString());
  if (seen !== params.toString()) {
    setSeen(params.toString());
    setFilters(applied);
  }
  const apply = (f: Filters) => setParams(filtersToUrl(f));
  // The live events of my services refresh both (shared/live.ts): what moved takes its place in the sort.
  const sort = (applied.sort || "deadline") as SortKey;
  const order = (applied.order || FIRST_ORDER[sort]) as "asc" | "desc";
  const asked = applied.sort ? { ...applied, order } : applied;
  const list = useKeysetList(backofficeKeys.queue(asked), (cursor, signal) => queuePage(asked, cursor, signal), true, true);
  const items = list.items;
  const { data: counts, error: countsError } = useQueueCounts(applied.service, applied.origin);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const onSort = (k: SortKey) => apply({ ...applied, sort: k, order: k === sort ? (order === "asc" ? "desc" : "asc") : FIRST_ORDER[k] });
  /** A counter pressed applies its filter; pressed again, removes it. */
  const toggle = (patch: Partial<Filters>, on: boolean) =>
    apply({ ...applied, ...(on ? Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, typeof v === "boolean" ? false : ""])) : patch) });

  // Keyboard: j/k move the focus from row to row (Enter then opens it), ? lists the shortcuts.
  const links = useRef<(HTMLAnchorElement | null)[]>([]);
  const [active, setActive] = useState(-1);
  const [help, setHelp] = useState(false);
  const [announce, setAnnounce] = useState("");
  const handlers = useMemo(() => {
    const move = (delta: number) => {
      if (!items?.length) return;
      const i = Math.min(items.length - 1, Math.max(0, active + delta));
      setActive(i);
      links.current[i]?.focus();
      setAnnounce(`Demande ${i + 1} sur ${items.length} : ${items[i]!.reference}, ${items[i]!.companyName}`);
    };
    return { j: () => move(1), k: () => move(active < 0 ? 1 : -1), "?": () => setHelp(true) };
  }, [items, active]);
  useShortcuts(handlers);
  // The rows ticked for a bulk action, each with the version it had then (a change since makes it refused).
  const [picked, setPicked] = useState<Map<string, Picked>>(new Map());
  const onSelect = (rows: QueueItem[], on: boolean) =>
    setPicked((before) => {
      const next = new Map(before);
      for (const r of rows) {
        if (on) next.set(r.id, { id: r.id, version: r.version, reference: r.reference, serviceCode: r.serviceCode });
        else next.delete(r.id);
      }
      return next;
    });

  return (
    <>
      <p className="fr-text--sm">
        Raccourcis : <kbd>j</kbd> / <kbd>k</kbd> demande suivante / précédente, <kbd>Entrée</kbd> l'ouvrir,{" "}
        <button type="button" className="fr-link fr-text--sm" onClick={() => setHelp(true)}>
          <kbd>?</kbd> la liste des raccourcis
        </button>
        .
      </p>
      <p className="fr-sr-only" aria-live="polite">
        {announce}
      </p>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} title="Raccourcis clavier de la file" shortcuts={QUEUE_SHORTCUTS} />
      <SavedViews current={filtersToUrl(applied).toString()} onPick={(query) => setParams(new URLSearchParams(query))} />
      {counts && (
        <ul className="fr-tags-group fr-mb-2w" aria-label="Compteurs (filtrent la file)">
          {(Object.keys(counts.byStatus) as (keyof QueueCounts["byStatus"])[]).map((s) => (
            <Counter
              key={s}
              label={AGENT_STATUS_LABELS[s]}
              n={counts.byStatus[s]}
              pressed={applied.status === s}
              onToggle={() => toggle({ status: s }, applied.status === s)}
            />
          ))}
          <Counter label="En retard" n={counts.overdue} pressed={applied.overdue} onToggle={() => toggle({ overdue: true }, applied.overdue)} />
          <Counter label="Échéance proche" n={counts.dueSoon} pressed={applied.dueSoon} onToggle={() => toggle({ dueSoon: true }, applied.dueSoon)} />
          <Counter
            label="Non attribuées"
            n={counts.unassigned}
            pressed={applied.assignee === "none"}
            onToggle={() => toggle({ assignee: "none" }, applied.assignee === "none")}
          />
          <Counter
            label="Attribuées à moi"
            n={counts.mine}
            pressed={applied.assignee === "me"}
            onToggle={() => toggle({ assignee: "me" }, applied.assignee === "me")}
          />
        </ul>
      )}
      <form
        className="fr-grid-row fr-grid-row--gutters fr-mb-2w"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ ...filters, sort: applied.sort, order: applied.order });
        }}
        aria-label="Filtrer la file"
      >
        <div className="fr-col-12 fr-col-md-3">
          <Select label="État" nativeSelectProps={{ value: filters.status, onChange: set("status") }}>
            <option value="">Ouvertes (toutes)</option>
            {Object.entries(AGENT_STATUS_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Impôt" nativeSelectProps={{ value: filters.tax, onChange: set("tax") }}>
            <option value="">Tous</option>
            {TAXES.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Nature" nativeSelectProps={{ value: filters.nature, onChange: set("nature") }}>
            <option value="">Toutes</option>
            {NATURES.map((n) => (
              <option key={n.code} value={n.code}>
                {n.label}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Attribution" nativeSelectProps={{ value: filters.assignee, onChange: set("assignee") }}>
            <option value="">Toutes</option>
            <option value="me">Attribuées à moi</option>
            <option value="none">Non attribuées</option>
          </Select>
        </div>
        {/* Half a row: its first choice (« Toutes sauf campagnes sans réponse ») is read whole at 1,280 px. */}
        <div className="fr-col-12 fr-col-md-6">
          <Select label="Origine" nativeSelectProps={{ value: filters.origin, onChange: set("origin") }}>
            {ORIGINS.map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-6">
          <Input
            label="Rechercher"
            hintText="SIREN, nom de l'entreprise, référence (même partielle), mots de l'objet ou des messages"
            nativeInputProps={{ value: filters.q, onChange: set("q"), type: "search" }}
          />
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Checkbox
            options={[
              {
                label: "En retard seulement",
                nativeInputProps: { checked: filters.overdue, onChange: (e) => setFilters({ ...filters, overdue: e.target.checked }) },
              },
            ]}
          />
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Button type="submit">Filtrer</Button>{" "}
          <Button type="button" priority="tertiary" onClick={() => apply(EMPTY)}>
            Effacer
          </Button>
        </div>
      </form>
      <ErrorAlert error={list.error ?? countsError} />
      {items && items.length === 0 && (
        <Alert
          severity="info"
          small
          description={
            isEmpty({ ...applied, sort: "", order: "" })
              ? "Aucune demande à traiter : les demandes adressées à vos services apparaîtront ici."
              : "Aucune demande ne correspond à ces filtres."
          }
        />
      )}
      <BulkActions picked={[...picked.values()]} agentId={agentId} onDone={() => setPicked(new Map())} onClear={() => setPicked(new Map())} />
      {items && items.length > 0 && (
        <QueueTable
          items={items}
          sort={sort}
          order={order}
          onSort={onSort}
          active={active}
          links={links}
          selected={new Set(picked.keys())}
          onSelect={onSelect}
        />
      )}
      <MoreButton list={list} itemId={queueRowId} />
    </>
  );
}
