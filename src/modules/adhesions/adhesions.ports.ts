import type { Executor, Tx } from "../../platform/db/database.js";

/**
 * What adhesions need from the rights module, which depends on adhesions and so cannot be imported here: the
 * composition root passes an implementation (rights' `adhesionRightsPort`).
 */
export type RightsPort = {
  /** Makes the person administrator of these services for the SIREN (an activated adhesion). */
  grantAdministrator(tx: Tx, grant: { spaceId: string; siren: string; services: string[]; adhesionId: string; at: Date }): Promise<void>;
  /** Revokes every right that came from an adhesion (opposition, cancellation by an agent). */
  revokeFromAdhesion(tx: Tx, adhesionId: string, at: Date): Promise<number>;
  /** Whether the person holds any live right on the SIREN (it is in their portfolio). */
  holdsAnyRight(db: Executor, spaceId: string, siren: string, at: Date): Promise<boolean>;
  /** Whether the person is an active administrator of the service for the SIREN. */
  isAdministrator(db: Executor, spaceId: string, siren: string, service: string, at: Date): Promise<boolean>;
  /** Whether the person is an active administrator of any service for the SIREN. */
  administersAny(db: Executor, spaceId: string, siren: string, at: Date): Promise<boolean>;
  /** The person's live rights on the SIREN: role and service of each. */
  liveRightsOn(db: Executor, spaceId: string, siren: string, at: Date): Promise<{ role: string; service: string }[]>;
  /** Which of these SIRENs the person holds a live right on (one query). */
  sirensHeld(db: Executor, spaceId: string, sirens: string[], at: Date): Promise<Set<string>>;
};
