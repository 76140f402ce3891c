// The overview reads a whole period through the readings API's limit (issue 18 part 4):
// server/web/js/paging.js against a fake server, without a browser:
//   node paging.mjs PATH/TO/paging.js
// More readings than one answer holds: every reading once, the newest included; readings
// sharing a time across a page boundary neither lost nor doubled; a cap says where it stopped.
import {readFileSync} from "node:fs";

const src = readFileSync(process.argv[2], "utf8");
const {readPeriod} = await import("data:text/javascript," + encodeURIComponent(src));
let failed = 0;
function check(ok, what) { console.log((ok ? "ok: " : "FAILED: ") + what); if (!ok) failed = 1; }

// A fake GET /api/v1/readings?start=: the oldest `limit` readings measured at or after start.
function server(times, limit) {
  const all = times.map((t, i) => ({reading_uid: "u" + i, t})).sort((a, b) => a.t - b.t);
  let calls = 0;
  const fetchPage = async start => { ++calls; return all.filter(r => r.t >= start).slice(0, limit); };
  return {fetchPage, calls: () => calls};
}
const measured = r => r.t;
const uids = rows => rows.map(r => r.reading_uid).join(" ");

let s = server(Array.from({length: 25}, (_, i) => 1000 + i * 10), 10);
let out = await readPeriod(s.fetchPage, 0, measured, 10, 20);
check(out.rows.length === 25 && new Set(out.rows.map(r => r.reading_uid)).size === 25 &&
      out.rows[24].t === 1240 && out.truncatedAt === null,
      "25 readings through a limit of 10: all 25 once, the newest included, not truncated (" +
      out.rows.length + " in " + s.calls() + " requests)");
// Five readings at one time straddle the first page's end: none lost, none twice.
s = server([1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 8, 9], 8);
out = await readPeriod(s.fetchPage, 0, measured, 8, 20);
check(out.rows.length === 13 && new Set(out.rows.map(r => r.reading_uid)).size === 13 && out.truncatedAt === null,
      "readings sharing a time across a page boundary: 13 of 13, each once: " + uids(out.rows));
check(out.rows.every((r, i) => i === 0 || out.rows[i - 1].t <= r.t), "rows stay in measured order");
// The cap: 3 requests of 10 cannot hold 50 readings; the page is told where reading stopped.
s = server(Array.from({length: 50}, (_, i) => i), 10);
out = await readPeriod(s.fetchPage, 0, measured, 10, 3);
check(out.truncatedAt !== null && out.truncatedAt === out.rows[out.rows.length - 1].t && s.calls() === 3,
      "over the cap: truncatedAt names the last time read (" + out.truncatedAt + "), 3 requests");
// More readings at ONE time than a page holds cannot be paged by time: stop, say truncated.
s = server(Array(12).fill(5), 10);
out = await readPeriod(s.fetchPage, 0, measured, 10, 20);
check(out.truncatedAt === 5 && s.calls() === 2, "a page of one time only: stops (no endless loop), truncated at it");
s = server([], 10);
out = await readPeriod(s.fetchPage, 0, measured, 10, 20);
check(out.rows.length === 0 && out.truncatedAt === null && s.calls() === 1, "an empty period: one request");
process.exit(failed);
