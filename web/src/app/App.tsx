import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { createQueryClient } from "../shared/query";
import { SessionProvider } from "../shared/session";
import { Layout } from "./Layout";

/** The application: the query cache, the two sessions, the layout and its pages. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <Layout />
      </SessionProvider>
    </QueryClientProvider>
  );
}
