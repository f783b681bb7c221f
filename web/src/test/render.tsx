import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { cleanup, render } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach } from "vitest";
import { createQueryClient } from "../shared/query";

afterEach(cleanup);

/** Renders `ui` with a query cache of its own (the application's rules), as the application does. */
export function renderWithQueries(ui: ReactNode, queryClient: QueryClient = createQueryClient()) {
  return { queryClient, ...render(<QueryClientProvider client={queryClient}>{ui}</QueryClientProvider>) };
}

/** A promise settled from outside, to answer a request at the moment a test chooses. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
