// Reading a whole period through the readings API's limit (issue 18 part 4), pure: no DOM, so
// tests/web/paging.mjs runs it under node with a fake server. GET /api/v1/readings with
// start/end answers the oldest `limit` readings by measured time; a period holding more (a
// heart-rate strap sends many a minute) would silently lose its NEWEST readings. So the page
// asks again from the last measured time it got, drops the readings it already has, and says
// so when it had to stop.

// `fetchPage(startMs)`: a promise of at most `limit` readings measured from startMs on,
// ascending. `measuredOf(row)`: its measured time in ms. At most `maxPages` requests.
// Returns {rows (ascending, each uid once), truncatedAt: the measured time where reading
// stopped short of the period's end, or null when the period was read whole}.
export async function readPeriod(fetchPage, from, measuredOf, limit, maxPages) {
  const rows = [], seen = new Set();
  let start = from;
  for (let page = 0; page < maxPages; ++page) {
    const got = await fetchPage(start);
    for (const r of got) {
      if (!seen.has(r.reading_uid)) { seen.add(r.reading_uid); rows.push(r); }
    }
    if (got.length < limit) return {rows, truncatedAt: null};
    // The next page starts AT the last time read (more readings may share it): a page that
    // holds only that time cannot move on, and stops as truncated.
    const next = measuredOf(got[got.length - 1]);
    if (next === start) return {rows, truncatedAt: next};
    start = next;
  }
  return {rows, truncatedAt: rows.length ? measuredOf(rows[rows.length - 1]) : from};
}
