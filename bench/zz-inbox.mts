import { sql } from "kysely";
import { openDatabase } from "../src/platform/db/database.js";
import { systemClock } from "../src/platform/clock.js";
import { listRequests } from "../src/modules/requests/index.js";
import { timeEach } from "./measure.js";
const database = await openDatabase({ url: process.env.URL!, poolSize: 1 });
const deps = { db: database.db, clock: systemClock, receiptKeys: undefined as never };
const spaceId = "00000001-0000-4000-8000-000000000001";
for (let k = 0; k < 3; k++) {
  const first = await timeEach(200, () => listRequests(deps, spaceId, {}, 50));
  console.log("first page", first);
}
console.log((await sql`SELECT left(statement, 60) s, generic_plans, custom_plans FROM pg_prepared_statements`.execute(database.db)).rows);
await database.close();
