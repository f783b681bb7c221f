import { useState } from "react";
import { useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { PasswordInput } from "@codegouvfr/react-dsfr/blocks/PasswordInput";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { client, ok } from "../../shared/api/client";
import { ApiError } from "../../shared/api/types";
import { capitalised, FormColumn, Page, useAction, useFormErrors } from "../../shared/components/page";

type Mode = "expert" | "simplified";

const RULE_ERRORS = ["unknown_company", "ceased_company", "company_already_adhered"];

export function CreateSpace() {
  const navigate = useNavigate();
  const [mode, setMode] = useState<Mode>("expert");
  const [sameAddress, setSameAddress] = useState(true);
  const [form, setForm] = useState({ connectionEmail: "", companyEmail: "", password: "", firstName: "", lastName: "", phone: "", siren: "" });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const {
    run: submit,
    busy,
    error,
  } = useAction(async () => {
    const companyEmail = mode === "simplified" ? (sameAddress ? form.connectionEmail : form.companyEmail) : undefined;
    // The answer says nothing of whether the address already had a space: the mail tells its owner.
    await ok(client.POST("/api/v1/spaces", { body: { mode, ...form, companyEmail, siren: form.siren.replace(/\s/g, "") } }));
    const params = new URLSearchParams({ email: form.connectionEmail, cree: "1", mode });
    if (mode === "simplified") params.set("entreprise", companyEmail ?? "");
    await navigate(`/valider-mon-adresse?${params.toString()}`);
  });
  const sirenLabel = mode === "simplified" ? "SIREN de votre entreprise" : "SIREN de l'entité à laquelle vous appartenez";
  // In the order of the fields, each named as its label reads.
  const errors = useFormErrors(
    error,
    {
      siren: sirenLabel,
      connectionEmail: "Adresse électronique de connexion",
      companyEmail: "Adresse électronique de l'entreprise",
      password: "Mot de passe",
      firstName: "Prénom",
      lastName: "Nom",
      phone: "Téléphone",
    },
    {
      password: error instanceof ApiError && error.code === "weak_password" ? error.message : undefined,
      siren: error instanceof ApiError && RULE_ERRORS.includes(error.code) ? error.message : undefined,
    },
  );
  const passwordProblem = errors.fields.password;

  return (
    <Page title="Créer mon espace professionnel">
      <FormColumn>
        {errors.summary}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <RadioButtons
            legend="Mode de création"
            name="mode"
            options={[
              {
                label: "Mode simplifié",
                hintText: "Pour votre propre entreprise, qui n'a encore adhéré à aucun service en ligne : vous deviendrez administrateur de tous ses services.",
                nativeInputProps: { value: "simplified", checked: mode === "simplified", onChange: () => setMode("simplified") },
              },
              {
                label: "Mode expert",
                hintText: "Pour les personnes qui agissent pour une ou plusieurs entreprises : experts-comptables, salariés, dirigeants de groupe.",
                nativeInputProps: { value: "expert", checked: mode === "expert", onChange: () => setMode("expert") },
              },
            ]}
          />
          <Input
            label={sirenLabel}
            hintText={
              mode === "simplified"
                ? "9 chiffres. Le courrier d'activation sera envoyé à l'adresse de son siège."
                : "9 chiffres, par exemple celui de votre cabinet."
            }
            nativeInputProps={{ ...errors.native("siren"), inputMode: "numeric", required: true, value: form.siren, onChange: set("siren") }}
            {...errors.props("siren")}
          />
          <Input
            label="Adresse électronique de connexion"
            hintText="Votre adresse personnelle : elle vous identifie."
            nativeInputProps={{
              ...errors.native("connectionEmail"),
              type: "email",
              autoComplete: "email",
              required: true,
              value: form.connectionEmail,
              onChange: set("connectionEmail"),
            }}
            {...errors.props("connectionEmail")}
          />
          {mode === "simplified" && (
            <>
              <Checkbox
                options={[
                  {
                    label: "C'est aussi l'adresse électronique de l'entreprise",
                    hintText: "L'adresse à laquelle l'administration écrira à l'entreprise. Elle sera imprimée sur le courrier envoyé au siège.",
                    nativeInputProps: { checked: sameAddress, onChange: (e) => setSameAddress(e.target.checked) },
                  },
                ]}
              />
              {!sameAddress && (
                <Input
                  label="Adresse électronique de l'entreprise"
                  hintText="Un lien valable 72 heures y sera envoyé pour la vérifier."
                  nativeInputProps={{
                    ...errors.native("companyEmail"),
                    type: "email",
                    required: true,
                    value: form.companyEmail,
                    onChange: set("companyEmail"),
                  }}
                  {...errors.props("companyEmail")}
                />
              )}
            </>
          )}
          <PasswordInput
            label="Mot de passe"
            // The rules are in the hint: the messages are errors only, with no « Votre mot de passe doit contenir : » above them.
            messagesHint=""
            hintText="12 caractères au moins. Évitez les mots de passe courants, votre nom, votre adresse ou le SIREN."
            messages={passwordProblem ? [{ message: capitalised(passwordProblem), severity: "error" }] : []}
            nativeInputProps={{ ...errors.native("password"), autoComplete: "new-password", required: true, value: form.password, onChange: set("password") }}
          />
          <Input
            label="Prénom"
            nativeInputProps={{ ...errors.native("firstName"), autoComplete: "given-name", required: true, value: form.firstName, onChange: set("firstName") }}
            {...errors.props("firstName")}
          />
          <Input
            label="Nom"
            nativeInputProps={{ ...errors.native("lastName"), autoComplete: "family-name", required: true, value: form.lastName, onChange: set("lastName") }}
            {...errors.props("lastName")}
          />
          <Input
            label="Téléphone"
            nativeInputProps={{ ...errors.native("phone"), type: "tel", autoComplete: "tel", required: true, value: form.phone, onChange: set("phone") }}
            {...errors.props("phone")}
          />
          <Button type="submit" disabled={busy}>
            Créer mon espace
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
