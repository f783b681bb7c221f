import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";

export type GrantRoleCode = "delegate" | "deputy";

/** The role a delegation gives: delegate (uses the services) or deputy administrator (also manages the rights). */
export function GrantRole({
  legend,
  role,
  onChange,
  deputyHint,
}: {
  legend: string;
  role: GrantRoleCode;
  onChange: (role: GrantRoleCode) => void;
  deputyHint: string;
}) {
  return (
    <RadioButtons
      legend={legend}
      name="role"
      options={[
        {
          label: "Délégataire",
          hintText: "Utilise les services ; ne peut pas déléguer.",
          nativeInputProps: { checked: role === "delegate", onChange: () => onChange("delegate") },
        },
        {
          label: "Administrateur suppléant",
          hintText: deputyHint,
          nativeInputProps: { checked: role === "deputy", onChange: () => onChange("deputy") },
        },
      ]}
    />
  );
}
