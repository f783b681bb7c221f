import { useState } from "react";
import { Navigate, useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { client, ok } from "../../shared/api/client";
import { ApiError, type ServiceCode } from "../../shared/api/types";
import { FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";
import { useCatalogue } from "../../shared/catalogue";
import { useSession } from "../../shared/session";
import { adhesionKeys } from "./queries";

export function Adhere() {
  const { person } = useSession();
  const navigate = useNavigate();
  const catalogue = useCatalogue();
  const [siren, setSiren] = useState("");
  const [quality, setQuality] = useState<"legal_representative" | "mandated">("mandated");
  const [services, setServices] = useState<ServiceCode[]>(["messagerie"]);
  const [companyEmail, setCompanyEmail] = useState("");
  const { run, busy, error } = useAction(async () => {
    await ok(
      client.POST("/api/v1/adhesions", {
        body: {
          siren: siren.replace(/\s/g, ""),
          quality,
          services,
          ...(services.includes("messagerie") && companyEmail.trim() ? { companyEmail: companyEmail.trim() } : {}),
        },
      }),
    );
    await navigate("/mon-espace");
  }, [adhesionKeys.all]);
  const errors = useFormErrors(
    error,
    // « services » is a group of boxes with no one field to link to: its message stays under the group.
    { siren: "SIREN de l'entreprise", companyEmail: "Adresse électronique de l'entreprise" },
    {
      siren:
        error instanceof ApiError && ["unknown_company", "ceased_company", "adhesion_blocked", "letter_quota_reached", "adhesion_pending"].includes(error.code)
          ? error.message
          : undefined,
      companyEmail: error instanceof ApiError && error.code === "company_email_required" ? error.message : undefined,
    },
  );
  if (person === null) return <Navigate to="/connexion" replace />;
  const fields = errors.fields;
  const toggle = (code: ServiceCode, on: boolean) => setServices(on ? [...services, code] : services.filter((s) => s !== code));
  return (
    <Page
      title="Adhérer aux services en ligne d'une entreprise"
      lead="Un courrier portant un code d'activation sera envoyé à l'adresse du siège de l'entreprise : elle saura que vous demandez à agir pour elle."
    >
      <FormColumn>
        {errors.summary}
        <form onSubmit={(e) => void run(e)} noValidate>
          <Input
            label="SIREN de l'entreprise"
            hintText="9 chiffres."
            nativeInputProps={{ ...errors.native("siren"), inputMode: "numeric", value: siren, onChange: (e) => setSiren(e.target.value) }}
            {...errors.props("siren")}
          />
          <RadioButtons
            legend="Votre qualité"
            name="quality"
            options={[
              {
                label: "Représentant légal de l'entreprise",
                nativeInputProps: { checked: quality === "legal_representative", onChange: () => setQuality("legal_representative") },
              },
              {
                label: "Personne mandatée (expert-comptable, salarié…)",
                nativeInputProps: { checked: quality === "mandated", onChange: () => setQuality("mandated") },
              },
            ]}
          />
          <Checkbox
            legend="Services demandés"
            state={fields.services ? "error" : "default"}
            stateRelatedMessage={fields.services ? "Choisissez au moins un service." : undefined}
            options={catalogue.map((s) => {
              const code = s.code as ServiceCode;
              return {
                label: s.label,
                nativeInputProps: { name: "services", value: code, checked: services.includes(code), onChange: (e) => toggle(code, e.target.checked) },
              };
            })}
          />
          {services.includes("messagerie") && (
            <Input
              label="Adresse électronique de l'entreprise"
              hintText="Nécessaire si l'entreprise n'en a pas encore de vérifiée : un lien valable 72 heures y sera envoyé, puis l'adresse sera imprimée sur le courrier."
              nativeInputProps={{ ...errors.native("companyEmail"), type: "email", value: companyEmail, onChange: (e) => setCompanyEmail(e.target.value) }}
              {...errors.props("companyEmail")}
            />
          )}
          <Button type="submit" disabled={busy}>
            Envoyer la demande
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
