import { useEffect, useState } from "react";
import { api, type Service } from "./api";

let cache: Promise<Service[]> | undefined;

/** The catalogue of online services (loaded once). */
export function useCatalogue(): Service[] {
  const [items, setItems] = useState<Service[]>([]);
  useEffect(() => {
    cache ??= api<{ items: Service[] }>("GET", "/api/v1/catalogue").then((r) => r.items);
    cache.then(setItems, () => (cache = undefined));
  }, []);
  return items;
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
