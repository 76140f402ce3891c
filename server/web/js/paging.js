// Reading a whole period through the readings API's limit (issue 18 part 4), pure: no DOM, so
// tests/web/paging.mjs runs it under node with a fake server. GET /api/v1/readings with
// start/end answers {readings, next}: the period's first `limit` readings by measured time and,
// when the period holds more, `next`, passed back as `after` for the following ones
// (docs/contracts.md). The page follows it and says so when it had to stop.

// `fetchPage(after)`: a promise of one answer, {readings (ascending), next (null: the period's
// end)}; `after` is null for the first. `measuredOf(row)`: its measured time in ms. At most
// `maxPages` requests. Returns {rows (ascending), truncatedAt: the measured time where reading
// stopped short of the period's end, or null when the period was read whole}.
export async function readPeriod(fetchPage, measuredOf, maxPages) {
  const rows = [];
  let after = null;
  for (let page = 0; page < maxPages; ++page) {
    const got = await fetchPage(after);
    for (const r of got.readings) rows.push(r);
    if (got.next === null) return {rows, truncatedAt: null};
    after = got.next;
  }
  return {rows, truncatedAt: measuredOf(rows[rows.length - 1])};
}
