import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api, type PortfolioCompany } from "./api";

/** What the list shows of a company; `total` is how many match (more than shown: « précisez votre saisie »). */
type Choice = { siren: string; name: string; unreadCount?: number; place?: string | null };
type Found<T> = { items: T[]; total: number };

type Props<T extends Choice> = {
  label: string;
  /** Where companies are searched (default: « mes entreprises », the person's portfolio). */
  search?: (q: string) => Promise<Found<T>>;
  /** How a SIREN given from outside gets its name (default: the portfolio's company). */
  lookup?: (siren: string) => Promise<T>;
  hint?: string;
  /** Only the companies where the person holds this service (e.g. `messagerie` to write). */
  service?: string;
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
const portfolioSearch = (service: string | undefined) => (q: string) => {
  const p = new URLSearchParams({ limit: "10", sort: "name" });
  if (q) p.set("q", q);
  if (service) p.set("service", service);
  return api<Found<PortfolioCompany>>("GET", `/api/v1/companies?${p.toString()}`);
};
const portfolioLookup = (siren: string) => api<PortfolioCompany>("GET", `/api/v1/companies/${siren}`);

/**
 * A company picked among thousands: the WAI-ARIA combobox pattern (list autocomplete) over « mes entreprises ».
 * Typing searches the server (SIREN prefix or words of the name); arrows move, Enter chooses, Escape closes.
 */
export function CompanyCombobox<T extends Choice = PortfolioCompany>({ label: fieldLabel, hint, service, value, onChange, error, clearOnSelect, disabled, inputId, search, lookup }: Props<T>) {
  const generated = useId();
  const id = inputId ?? generated;
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(-1);
  const [loading, setLoading] = useState(false);
  const chosen = useRef<string>("");
  const request = useRef(0);

  // A SIREN given from outside (a link « Écrire pour… ») shows its company's name.
  useEffect(() => {
    if (!value || value === chosen.current) return;
    chosen.current = value;
    void (lookup ?? (portfolioLookup as unknown as (siren: string) => Promise<T>))(value).then(
      (c) => setText(label(c)),
      () => setText(value),
    );
  }, [value]);

  useEffect(() => {
    if (!open) return;
    const ticket = ++request.current;
    setLoading(true);
    const timer = setTimeout(() => {
      const typed = text.trim();
      // The text of a choice (« NAME (SIREN) ») searches nothing more.
      const q = typed && !/\(\d{9}\)$/.test(typed) ? typed : "";
      (search ?? (portfolioSearch(service) as unknown as (q: string) => Promise<Found<T>>))(q).then(
        (r) => {
          if (ticket !== request.current) return;
          setItems(r.items);
          setTotal(r.total);
          setActive(r.items.length ? 0 : -1);
          setLoading(false);
        },
        () => ticket === request.current && setLoading(false),
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [text, open, service, search]);

  const choose = (c: T) => {
    chosen.current = c.siren;
    setText(clearOnSelect ? "" : label(c));
    setOpen(false);
    onChange(c);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) setOpen(true);
      else setActive((a) => Math.min(items.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === "Enter" && open && active >= 0 && items[active]) {
      e.preventDefault();
      choose(items[active]);
    } else if (e.key === "Escape") {
      if (open) setOpen(false);
      else if (text) {
        setText("");
        chosen.current = "";
        onChange(null);
      }
    }
  };

  const listId = `${id}-liste`;
  const hintId = `${id}-aide`;
  const errorId = `${id}-erreur`;
  const statusText = loading ? "Recherche…" : total === 0 ? "Aucune entreprise ne correspond." : total > items.length ? `${items.length} premières entreprises sur ${total} : précisez votre saisie.` : `${total} entreprise${total > 1 ? "s" : ""}.`;
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
        aria-activedescendant={open && active >= 0 ? `${id}-option-${active}` : undefined}
        aria-describedby={`${hintId}${error ? ` ${errorId}` : ""}`}
        aria-invalid={error ? true : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          if (chosen.current) {
            chosen.current = "";
            onChange(null);
          }
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
      />
      {error && (
        <p className="fr-error-text" id={errorId}>
          {error}
        </p>
      )}
      <ul
        id={listId}
        role="listbox"
        aria-label={fieldLabel}
        hidden={!open}
        className="fr-raw-list"
        style={{ position: "absolute", zIndex: 10, left: 0, right: 0, maxHeight: "20rem", overflowY: "auto", background: "var(--background-default-grey)", border: "1px solid var(--border-default-grey)", boxShadow: "0 4px 8px rgba(0,0,0,.15)" }}
      >
        {items.map((c, i) => (
          <li
            key={c.siren}
            id={`${id}-option-${i}`}
            role="option"
            aria-selected={i === active}
            className="fr-px-2w fr-py-1w"
            style={{ cursor: "pointer", background: i === active ? "var(--background-action-low-blue-france)" : undefined }}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(c)}
            onMouseEnter={() => setActive(i)}
          >
            <strong>{c.name}</strong> <span className="fr-text--sm">SIREN {c.siren}</span>
            {c.place && <span className="fr-text--xs"> — {c.place}</span>}
            {c.unreadCount !== undefined && c.unreadCount > 0 && <span className="fr-text--xs"> — {c.unreadCount} non lu{c.unreadCount > 1 ? "s" : ""}</span>}
          </li>
        ))}
      </ul>
      <p className="fr-sr-only" aria-live="polite">
        {open ? statusText : ""}
      </p>
    </div>
  );
}
