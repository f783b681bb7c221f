import { Link } from "react-router";
import { frenchDate } from "../../shared/api/types";
import { serviceLabel, useCatalogue } from "../../shared/catalogue";
import { ErrorAlert } from "../../shared/components/page";
import { ScrollingTable } from "../../shared/components/table";
import { MoreButton } from "../../shared/query";
import { usePendingActivations } from "../portfolio/queries";

/**
 * « Activations en attente »: my adhesions whose letter went out and whose code is still to be entered, the code
 * expiring soonest first (dates in the Paris calendar). A letter is re-issued only by the company's tax office
 * (product §5): the page says so rather than offering a button the rules do not provide.
 */
export function PendingActivations() {
  const catalogue = useCatalogue();
  const list = usePendingActivations(true);
  const { items, total } = list;
  if (!items || total === 0) return <ErrorAlert error={list.error} />;
  return (
    <section aria-labelledby="activations-en-attente" className="fr-mt-6w">
      <h2 id="activations-en-attente">Activations en attente</h2>
      <p className="fr-text--sm">
        {`${total} courrier${total === 1 ? "" : "s"} d'activation en attente de leur code, le plus proche de l'expiration en premier. `}
        Un courrier perdu ou jamais reçu est renvoyé par le service des impôts des entreprises de l'entreprise, avec de nouveaux codes : contactez-le.
      </p>
      <ScrollingTable caption="Activations en attente" hideCaption>
        <thead>
          <tr>
            <th scope="col">Entreprise</th>
            <th scope="col">Services</th>
            <th scope="col">Courrier envoyé le</th>
            <th scope="col">Code valable jusqu'au</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id}>
              <th scope="row" style={{ fontWeight: "normal" }}>
                <Link to={`/entreprises/${a.siren}`} id={`activation-${a.id}`}>
                  {a.companyName}
                </Link>
                <br />
                <span className="fr-text--xs">SIREN {a.siren}</span>
              </th>
              <td className="fr-text--sm">{a.services.map((s) => serviceLabel(catalogue, s)).join(", ")}</td>
              <td>{a.letterSentAt ? frenchDate(a.letterSentAt) : "—"}</td>
              <td>{a.codeExpiresAt ? frenchDate(a.codeExpiresAt) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </ScrollingTable>
      <MoreButton list={list} label="Afficher plus d'activations en attente" itemId={(a) => `activation-${a.id}`} />
    </section>
  );
}
