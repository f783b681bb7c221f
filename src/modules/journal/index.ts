export {
  appendJournal,
  appendJournalMany,
  journalRow,
  entriesAbout,
  countsAbout,
  journalAbout,
  chainJournal,
  verifyJournal,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
} from "./journal.service.js";
export type { Actor, JournalEvent, ChainVerdict } from "./journal.service.js";
