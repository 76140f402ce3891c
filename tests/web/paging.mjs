// The overview reads a whole period through the readings API's limit (issue 18 part 4):
// server/web/js/paging.js against a fake server, without a browser:
//   node paging.mjs PATH/TO/paging.js
// The API answers {readings, next} (docs/contracts.md); the page follows `next` until it is
// null: every reading once, the newest included; a cap says where it stopped. The API's own
// paging (readings sharing a time across pages) is server_http_test's.
import {readFileSync} from "node:fs";

const src = readFileSync(process.argv[2], "utf8");
const {readPeriod} = await import("data:text/javascript," + encodeURIComponent(src));
let failed = 0;
function check(ok, what) { console.log((ok ? "ok: " : "FAILED: ") + what); if (!ok) failed = 1; }

// A fake GET /api/v1/readings?start=&end=[&after=]: `limit` readings a page; `next` is the
// index to continue at, as text (the real one is opaque too).
function server(times, limit) {
  const all = times.map((t, i) => ({reading_uid: "u" + i, t}));
  const afters = [];
  const fetchPage = async after => {
    afters.push(after);
    const from = after === null ? 0 : Number(after);
    const readings = all.slice(from, from + limit);
    return {readings, next: from + limit < all.length ? String(from + limit) : null};
  };
  return {fetchPage, calls: () => afters.length, afters};
}
const measured = r => r.t;

let s = server(Array.from({length: 25}, (_, i) => 1000 + i * 10), 10);
let out = await readPeriod(s.fetchPage, measured, 20);
check(out.rows.length === 25 && new Set(out.rows.map(r => r.reading_uid)).size === 25 &&
      out.rows[24].t === 1240 && out.truncatedAt === null && s.calls() === 3,
      "25 readings through a limit of 10: all 25 once, the newest included, not truncated (" +
      out.rows.length + " in " + s.calls() + " requests)");
check(s.afters.join(",") === ",10,20", "each answer's next is the following request's after: " + s.afters.join(","));
// Exactly one page: next is null, one request.
s = server([1, 2, 3], 3);
out = await readPeriod(s.fetchPage, measured, 20);
check(out.rows.length === 3 && out.truncatedAt === null && s.calls() === 1, "a period of exactly one page: one request, whole");
// The cap: 3 requests of 10 cannot hold 50 readings; the page is told where reading stopped.
s = server(Array.from({length: 50}, (_, i) => i), 10);
out = await readPeriod(s.fetchPage, measured, 3);
check(out.truncatedAt === 29 && out.rows.length === 30 && s.calls() === 3,
      "over the cap: truncatedAt names the last time read (" + out.truncatedAt + "), 3 requests");
s = server([], 10);
out = await readPeriod(s.fetchPage, measured, 20);
check(out.rows.length === 0 && out.truncatedAt === null && s.calls() === 1, "an empty period: one request");
process.exit(failed);
