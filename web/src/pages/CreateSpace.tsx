import { useState } from "react";
import { useNavigate } from "react-router";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { PasswordInput } from "@codegouvfr/react-dsfr/blocks/PasswordInput";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { api, ApiError } from "../api";
import { ErrorAlert, fieldErrors, FormColumn, Page, useAction } from "../components";

type Created = { spaceId: string; subscriberNumber: string; status: string };

export function CreateSpace() {
  const navigate = useNavigate();
  const [form, setForm] = useState({ connectionEmail: "", password: "", firstName: "", lastName: "", phone: "", siren: "" });
  const { run: submit, busy, error } = useAction(async () => {
    const created = await api<Created>("POST", "/api/v1/spaces", { mode: "expert", ...form, siren: form.siren.replace(/\s/g, "") });
    navigate(`/valider-mon-adresse?email=${encodeURIComponent(form.connectionEmail)}&abonne=${created.subscriberNumber}`);
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const fields = fieldErrors(error);
  const passwordProblem = error instanceof ApiError && error.code === "weak_password" ? error.message : fields.password;
  const sirenProblem = error instanceof ApiError && (error.code === "unknown_company" || error.code === "ceased_company") ? error.message : fields.siren;
  const state = (msg: string | undefined) => (msg ? { state: "error" as const, stateRelatedMessage: msg } : {});

  const globalError = error && !passwordProblem && !sirenProblem && Object.keys(fields).length === 0 ? error : undefined;
  return (
    <Page title="Créer mon espace professionnel">
      <FormColumn>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <RadioButtons
            legend="Mode de création"
            name="mode"
            options={[
              {
                label: "Mode expert",
                hintText: "Pour les personnes qui agissent pour une ou plusieurs entreprises : experts-comptables, salariés, dirigeants de groupe.",
                nativeInputProps: { value: "expert", defaultChecked: true },
              },
              {
                label: "Mode simplifié",
                hintText: "Pour créer l'espace de votre propre entreprise : bientôt disponible.",
                nativeInputProps: { value: "simplified", disabled: true },
              },
            ]}
          />
          <ErrorAlert error={globalError} />
          <Input
            label="Adresse électronique de connexion"
            hintText="Votre adresse personnelle : elle vous identifie. Un code de validation y sera envoyé."
            nativeInputProps={{ type: "email", autoComplete: "email", required: true, value: form.connectionEmail, onChange: set("connectionEmail") }}
            {...state(fields.connectionEmail)}
          />
          <PasswordInput
            label="Mot de passe"
            hintText="12 caractères au moins. Évitez les mots de passe courants, votre nom, votre adresse ou le SIREN."
            messages={passwordProblem ? [{ message: passwordProblem, severity: "error" }] : []}
            nativeInputProps={{ autoComplete: "new-password", required: true, value: form.password, onChange: set("password") }}
          />
          <Input label="Prénom" nativeInputProps={{ autoComplete: "given-name", required: true, value: form.firstName, onChange: set("firstName") }} {...state(fields.firstName)} />
          <Input label="Nom" nativeInputProps={{ autoComplete: "family-name", required: true, value: form.lastName, onChange: set("lastName") }} {...state(fields.lastName)} />
          <Input
            label="Téléphone"
            nativeInputProps={{ type: "tel", autoComplete: "tel", required: true, value: form.phone, onChange: set("phone") }}
            {...state(fields.phone)}
          />
          <Input
            label="SIREN de l'entité à laquelle vous appartenez"
            hintText="9 chiffres, par exemple celui de votre cabinet."
            nativeInputProps={{ inputMode: "numeric", required: true, value: form.siren, onChange: set("siren") }}
            {...state(sirenProblem)}
          />
          <Button type="submit" disabled={busy}>
            Créer mon espace
          </Button>
        </form>
      </FormColumn>
    </Page>
  );
}
