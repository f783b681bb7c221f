import { Tag } from "@codegouvfr/react-dsfr/Tag";
import { CompanyCombobox } from "./CompanyCombobox";
import type { PortfolioCompany, ServiceCode } from "../api/types";

export type Picked = Pick<PortfolioCompany, "siren" | "name">;

/** Several companies chosen one after another with the combobox, shown as tags that can be removed. */
export function CompanyPicker({
  label,
  hint,
  service,
  value,
  onChange,
  max,
  error,
  inputId,
}: {
  label: string;
  hint?: string;
  service?: ServiceCode;
  value: Picked[];
  onChange: (v: Picked[]) => void;
  max: number;
  error?: string | undefined;
  /** The input's id (an error summary links to it). */
  inputId?: string;
}) {
  return (
    <div className="fr-mb-3w">
      <CompanyCombobox
        label={label}
        {...(hint ? { hint } : {})}
        {...(service ? { service } : {})}
        {...(error ? { error } : {})}
        {...(inputId ? { inputId } : {})}
        value=""
        clearOnSelect
        disabled={value.length >= max}
        onChange={(c) => c && !value.some((v) => v.siren === c.siren) && onChange([...value, { siren: c.siren, name: c.name }])}
      />
      <p className="fr-text--sm fr-mb-1w" aria-live="polite">
        {value.length === 0
          ? "Aucune entreprise choisie."
          : `${value.length} entreprise${value.length > 1 ? "s" : ""} choisie${value.length > 1 ? "s" : ""}${value.length >= max ? ` (${max} au plus)` : ""}.`}
      </p>
      {value.length > 0 && (
        <ul className="fr-tags-group" aria-label="Entreprises choisies">
          {value.map((c) => (
            <li key={c.siren}>
              <Tag
                small
                dismissible
                nativeButtonProps={{ onClick: () => onChange(value.filter((v) => v.siren !== c.siren)), "aria-label": `Retirer ${c.name}` }}
              >
                {`${c.name} (${c.siren})`}
              </Tag>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
