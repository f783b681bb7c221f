import { AsyncLocalStorage } from "node:async_hooks";

/**
 * A software acting through a person (product §15), for the time of one API call. Its limits are applied where
 * rights are read (the one SQL definition of a live right) and its name is written into every journal entry of
 * the call, so that no route can forget either.
 */
export type SoftwareActing = {
  clientId: string;
  softwareName: string;
  grantId: string;
  /** The person the software acts through. */
  spaceId: string;
  /** Whether the person chose some companies (listed in `software_grant_companies`) rather than all of hers. */
  chosenCompanies: boolean;
  /** Whether some company cut this software off for this person (`software_company_blocks`). */
  cutOff: boolean;
  scopes: string[];
};

/** A rate-limit hit counted ahead of the limit's own hook, in the statement that read the call's sessions. */
export type CountedHit = { key: string; hits: number; windowEndsAt: Date };

type CallContext = { software?: SoftwareActing; countedHit?: CountedHit };

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `next` (the rest of a request's lifecycle) inside a fresh call context. */
export function withCallContext(next: () => void): void {
  storage.run({}, next);
}

/** Records that the current call is made by a software (the HTTP layer, once the Bearer token is verified). */
export function setActingSoftware(software: SoftwareActing): void {
  const context = storage.getStore();
  if (!context) throw new Error("setActingSoftware outside a call context");
  context.software = software;
}

/** The software the current call is made by, if any. */
export function actingSoftware(): SoftwareActing | undefined {
  return storage.getStore()?.software;
}

/** Records the hit counted for the current call under `hit.key` (the session hook, in its one statement). */
export function setCountedHit(hit: CountedHit): void {
  const context = storage.getStore();
  if (context) context.countedHit = hit;
}

/** The hit counted ahead for this call under `key`, once (the rate-limit store, instead of counting again). */
export function takeCountedHit(key: string): CountedHit | undefined {
  const context = storage.getStore();
  const hit = context?.countedHit;
  if (!hit || hit.key !== key) return undefined;
  context.countedHit = undefined;
  return hit;
}
