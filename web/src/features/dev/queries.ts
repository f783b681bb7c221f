import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";

/** The development mailbox and letter tray (the platform's mails and letters kept instead of sent). */
export const devKeys = {
  mails: (to: string) => ["dev", "mails", to] as const,
  letters: ["dev", "letters"] as const,
};

/** The mails sent, to one address or to all, read again every 3 seconds (a test waits for its mail here). */
export function useDevMails(to: string) {
  return useQuery({
    queryKey: devKeys.mails(to),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/dev/mails", { params: { query: to ? { to } : {} }, signal })),
    select: (r) => r.items,
    refetchInterval: 3000,
    placeholderData: keepPreviousData,
  });
}

/** The letters edited by the platform. */
export function useDevLetters() {
  return useQuery({
    queryKey: devKeys.letters,
    queryFn: ({ signal }) => ok(client.GET("/api/v1/dev/letters", { signal })).then((r) => r.items),
  });
}
