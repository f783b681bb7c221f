import type { CookieJar, TestApp } from "./app.js";

/** A campaign as the form sends it: multipart, the CSV in `file`, the fields as form fields (line endings `\r\n`). */
export async function submitCampaign(app: TestApp["app"], jar: CookieJar, csv: string, fields: Record<string, string>) {
  const boundary = "----campagne" + Math.random().toString(16).slice(2);
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="campagne.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`);
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/backoffice/campaigns",
    headers: { cookie: jar.header(), "x-csrf-token": jar.csrf!, "content-type": `multipart/form-data; boundary=${boundary}` },
    payload: `${parts.join("")}--${boundary}--\r\n`,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as { campaignId: string; error?: { code: string; message: string } } };
}
