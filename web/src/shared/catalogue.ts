import { useQuery } from "@tanstack/react-query";
import { client, ok } from "./api/client";
import type { Service } from "./api/types";

/** The catalogue of online services: asked once per visit (it changes with a release, not within a day). */
export function useCatalogue(): Service[] {
  const catalogue = useQuery({
    queryKey: ["catalogue"],
    queryFn: ({ signal }) => ok(client.GET("/api/v1/catalogue", { signal })).then((r) => r.items),
    staleTime: Infinity,
  });
  return catalogue.data ?? [];
}

export function serviceLabel(catalogue: Service[], code: string): string {
  return catalogue.find((s) => s.code === code)?.label ?? code;
}

/** The UI bundles of product §7: what an accountant usually hands over (one company, or many at once). */
export const DELEGATION_BUNDLES = [
  { id: "tva", label: "Gestion de la TVA", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
  { id: "is", label: "Gestion de l'IS", services: ["is_payer", "messagerie"], taxScope: ["IS"] },
  { id: "messagerie", label: "Messagerie, tous impôts", services: ["messagerie"], taxScope: null },
  { id: "all", label: "Tous les services", services: [] as string[], taxScope: null },
] as const;
