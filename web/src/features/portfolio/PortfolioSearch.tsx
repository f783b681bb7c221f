import { useEffect, useRef, useState } from "react";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { ROLE_LABELS } from "../../shared/api/types";
import { useCatalogue } from "../../shared/catalogue";
import type { PortfolioFilters } from "./queries";

/**
 * The search and filters of « Mes entreprises »: the search runs as one types (a moment after the last key), the
 * other filters at once. `set` writes them to the address; « Effacer les filtres » empties the search box too.
 */
export function PortfolioSearch({ filters, set }: { filters: PortfolioFilters; set: (change: Record<string, string | boolean>) => void }) {
  const catalogue = useCatalogue();
  const [text, setText] = useState(filters.q);
  // The box follows the address (back button, « Effacer les filtres »): adjusted while rendering, as React advises.
  const [textFor, setTextFor] = useState(filters.q);
  if (textFor !== filters.q) {
    setTextFor(filters.q);
    setText(filters.q);
  }
  const typing = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(typing.current), []);
  const type = (value: string) => {
    setText(value);
    clearTimeout(typing.current);
    typing.current = setTimeout(() => set({ q: value }), 300);
  };
  const search = () => {
    clearTimeout(typing.current);
    set({ q: text });
  };
  return (
    <form
      role="search"
      aria-label="Rechercher parmi mes entreprises"
      onSubmit={(e) => (e.preventDefault(), search())}
      className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom"
    >
      <div className="fr-col-12 fr-col-md-5">
        <Input
          label="Rechercher une entreprise"
          hintText="Début du SIREN, ou mots du nom."
          nativeInputProps={{ type: "search", value: text, onChange: (e) => type(e.target.value) }}
        />
      </div>
      <div className="fr-col-6 fr-col-md-4">
        <Select label="Service détenu" nativeSelectProps={{ value: filters.service, onChange: (e) => set({ service: e.target.value }) }}>
          <option value="">Tous</option>
          {catalogue?.map((s) => (
            <option key={s.code} value={s.code}>
              {s.label}
            </option>
          ))}
        </Select>
      </div>
      <div className="fr-col-6 fr-col-md-3">
        <Select label="Mon rôle" nativeSelectProps={{ value: filters.role, onChange: (e) => set({ role: e.target.value }) }}>
          <option value="">Tous</option>
          {Object.entries(ROLE_LABELS).map(([code, l]) => (
            <option key={code} value={code}>
              {l}
            </option>
          ))}
        </Select>
      </div>
      <div className="fr-col-12">
        <Checkbox
          orientation="horizontal"
          options={[
            { label: "Avec des messages non lus", nativeInputProps: { checked: filters.hasUnread, onChange: (e) => set({ hasUnread: e.target.checked }) } },
            {
              label: "Avec une adhésion en attente",
              nativeInputProps: { checked: filters.pendingAdhesion, onChange: (e) => set({ pendingAdhesion: e.target.checked }) },
            },
          ]}
        />
      </div>
    </form>
  );
}
