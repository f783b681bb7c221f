import { generateDataSet } from "./data.js";
const t0 = Date.now();
const r = await generateDataSet(process.env.URL!, { companies: 200_000, portfolio: 5_000, requests: 600_000, quiet: true });
console.log(JSON.stringify(r.spaceId), (Date.now() - t0) / 1000);
