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
