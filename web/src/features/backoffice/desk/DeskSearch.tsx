import { useNavigate } from "react-router";
import { CompanyCombobox } from "../../../shared/components/CompanyCombobox";
import { FormColumn } from "../../../shared/components/page";
import { AgentPage } from "../shared/backoffice";
import { searchDesks } from "../queries";

/** The companies' desk (product §18): a company of my SIEs found by SIREN or name, then its desk. */
export function DeskSearch() {
  return (
    <AgentPage title="Guichet entreprises" lead="Adhésions, courriers, habilitations, oppositions et demandes d'une entreprise gérée par votre service.">
      {() => <Search />}
    </AgentPage>
  );
}

function Search() {
  const navigate = useNavigate();
  // Room below the field for its list (up to 20rem), which would otherwise cover the footer.
  return (
    <FormColumn>
      <div style={{ minHeight: "22rem" }}>
        <CompanyCombobox
          label="Entreprise"
          hint="Tapez le début du SIREN ou des mots du nom, puis choisissez dans la liste : son guichet s'ouvre."
          value=""
          scope="backoffice-desk"
          search={searchDesks}
          onChange={(c) => {
            if (c) void navigate(`/agent/entreprises/${c.siren}`);
          }}
        />
      </div>
    </FormColumn>
  );
}
