import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type KeyboardEvent } from "react";
import { client, ok } from "../api/client";
import type { PortfolioCompany, ServiceCode } from "../api/types";
import { capitalised } from "./page";

/**
 * What the list shows of a company; `total` is how many match (more than shown: « précisez votre saisie »), or,
 * from a keyset-paginated search that does not count, `more` says that others follow.
 */
type Choice = { siren: string; name: string; unreadCount?: number; place?: string | null };
export type Found<T> = { items: T[]; total: number; more?: boolean };

type Props<T extends Choice> = {
  label: string;
  /** Where companies are searched (default: « mes entreprises », the person's portfolio), with `scope` naming it in the query cache. */
  search?: (q: string, signal: AbortSignal) => Promise<Found<T>>;
  scope?: string;
  /** How a SIREN given from outside gets its name (default: the portfolio's company). */
  lookup?: (siren: string, signal: AbortSignal) => Promise<T>;
  hint?: string;
  /** Only the companies where the person holds this service (e.g. `messagerie` to write). */
  service?: ServiceCode;
  /** The chosen company's SIREN ("" when none). */
  value: string;
  onChange: (company: T | null) => void;
  /** Error message shown under the field. */
  error?: string;
  /** Cleared after each choice (to add companies to a list, one after another). */
  clearOnSelect?: boolean;
  disabled?: boolean;
  /** The input's id (an error summary links to it). */
  inputId?: string;
};

const label = (c: Choice) => `${c.name} (${c.siren})`;

/** The person's companies (« mes entreprises »), by name, optionally those where she holds a service. */
const portfolioSearch = (service: ServiceCode | undefined) => (q: string, signal: AbortSignal) =>
  ok(client.GET("/api/v1/companies", { params: { query: { limit: 10, sort: "name", ...(q ? { q } : {}), ...(service ? { service } : {}) } }, signal }));
const portfolioLookup = (siren: string, signal: AbortSignal) => ok(client.GET("/api/v1/companies/{siren}", { params: { path: { siren } }, signal }));

/**
 * A company picked among thousands: the WAI-ARIA combobox pattern (list autocomplete) over « mes entreprises ».
 * Typing searches the server (SIREN prefix or words of the name); arrows move, Enter chooses, Escape closes.
 */
export function CompanyCombobox<T extends Choice = PortfolioCompany>({
  label: fieldLabel,
  hint,
  service,
  value,
  onChange,
  error,
  clearOnSelect,
  disabled,
  inputId,
  search,
  scope = "portfolio",
  lookup,
}: Props<T>) {
  const generated = useId();
  const id = inputId ?? generated;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [query, setQuery] = useState("");
  /** What the person typed since the last choice (null: the field shows the chosen company). */
  const [typed, setTyped] = useState<string | null>(null);
  /** The last company chosen here, to show its name without asking the server. */
  const [chosen, setChosen] = useState<T | null>(null);

  // A SIREN given from outside (a link « Écrire pour… ») shows its company's name, asked once.
  const outside = Boolean(value) && value !== chosen?.siren;
  const known = useQuery({
    queryKey: ["combobox", scope, "lookup", value],
    queryFn: ({ signal }) => (lookup ?? (portfolioLookup as unknown as (siren: string, signal: AbortSignal) => Promise<T>))(value, signal),
    enabled: outside,
    retry: false,
  });
  const shown = !value ? null : chosen?.siren === value ? chosen : known.data?.siren === value ? known.data : null;
  const text = typed ?? (shown ? label(shown) : outside && known.isPending ? "" : value);

  // The server is asked once the typing pauses (150 ms); the text of a choice (« NAME (SIREN) ») searches nothing more.
  useEffect(() => {
    const t = text.trim();
    const timer = setTimeout(() => setQuery(t && !/\(\d{9}\)$/.test(t) ? t : ""), 150);
    return () => clearTimeout(timer);
  }, [text]);
  // An older answer never replaces a newer one: each text is its own query, and the list shows the latest's.
  const found = useQuery({
    queryKey: ["combobox", scope, service ?? "", query],
    queryFn: ({ signal }) => (search ?? (portfolioSearch(service) as unknown as (q: string, signal: AbortSignal) => Promise<Found<T>>))(query, signal),
    enabled: open,
    placeholderData: keepPreviousData,
  });
  const typedQuery = text.trim() && !/\(\d{9}\)$/.test(text.trim()) ? text.trim() : "";
  // Until the answer to what is typed now arrives, the list shows nothing: a choice is never made in an older list.
  const loading = open && (found.isFetching || found.isPlaceholderData || typedQuery !== query || !found.data);
  const items = loading ? [] : (found.data?.items ?? []);
  const total = found.data?.total ?? 0;
  const current = items.length ? Math.min(active, items.length - 1) : -1;

  const choose = (c: T) => {
    setChosen(c);
    setTyped(clearOnSelect ? "" : null);
    setOpen(false);
    onChange(c);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const picked = items[current];
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive(Math.max(0, Math.min(items.length - 1, current + 1)));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(Math.max(0, current - 1));
    } else if (e.key === "Enter" && open && picked) {
      e.preventDefault();
      choose(picked);
    } else if (e.key === "Escape") {
      if (open) setOpen(false);
      else if (text) {
        setTyped("");
        setChosen(null);
        if (value) onChange(null);
      }
    }
  };

  const listId = `${id}-liste`;
  const hintId = `${id}-aide`;
  const errorId = `${id}-erreur`;
  const statusText = loading
    ? "Recherche…"
    : found.data?.more
      ? `Les ${items.length} premières entreprises : précisez votre saisie pour trouver les autres.`
      : total === 0
        ? "Aucune entreprise ne correspond."
        : total > items.length
          ? `${items.length} premières entreprises sur ${total} : précisez votre saisie.`
          : `${total} entreprise${total > 1 ? "s" : ""}.`;
  return (
    <div className={`fr-input-group${error ? " fr-input-group--error" : ""}`} style={{ position: "relative" }}>
      <label className="fr-label" htmlFor={id}>
        {fieldLabel}
        <span className="fr-hint-text" id={hintId}>
          {hint ?? "Tapez une partie du nom ou le début du SIREN, puis choisissez dans la liste."}
        </span>
      </label>
      <input
        id={id}
        className={`fr-input${error ? " fr-input--error" : ""}`}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        disabled={disabled}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && current >= 0 ? `${id}-option-${current}` : undefined}
        aria-describedby={`${hintId}${error ? ` ${errorId}` : ""}`}
        aria-invalid={error ? true : undefined}
        value={text}
        onChange={(e) => {
          setTyped(e.target.value);
          setActive(0);
          setOpen(true);
          if (value) onChange(null);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
      />
      {error && (
        <p className="fr-error-text" id={errorId}>
          {capitalised(error)}
        </p>
      )}
      <ul
        id={listId}
        role="listbox"
        aria-label={fieldLabel}
        hidden={!open}
        className="fr-raw-list"
        style={{
          position: "absolute",
          zIndex: 10,
          left: 0,
          right: 0,
          maxHeight: "20rem",
          overflowY: "auto",
          background: "var(--background-default-grey)",
          border: "1px solid var(--border-default-grey)",
          boxShadow: "0 4px 8px rgba(0,0,0,.15)",
        }}
      >
        {items.map((c, i) => (
          // The keyboard chooses from the input (aria-activedescendant, the WAI-ARIA combobox pattern), not from the option.
          // eslint-disable-next-line jsx-a11y/click-events-have-key-events
          <li
            key={c.siren}
            id={`${id}-option-${i}`}
            role="option"
            aria-selected={i === current}
            className="fr-px-2w fr-py-1w"
            style={{ cursor: "pointer", background: i === current ? "var(--background-action-low-blue-france)" : undefined }}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(c)}
            onMouseEnter={() => setActive(i)}
          >
            <strong>{c.name}</strong> <span className="fr-text--sm">SIREN {c.siren}</span>
            {c.place && <span className="fr-text--xs"> — {c.place}</span>}
            {c.unreadCount !== undefined && c.unreadCount > 0 && (
              <span className="fr-text--xs">
                {" "}
                — {c.unreadCount} non lu{c.unreadCount > 1 ? "s" : ""}
              </span>
            )}
          </li>
        ))}
      </ul>
      <p className="fr-sr-only" aria-live="polite">
        {open ? statusText : ""}
      </p>
    </div>
  );
}
