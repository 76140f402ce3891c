// Clinical figures of the patient overview (issue 18 part 4), pure: no DOM, no clock, so
// tests/web/figures.mjs checks them under node. Times are milliseconds since the epoch.

const DAY = 86400000;

// Time in therapeutic range by Rosendaal's linear interpolation (Rosendaal et al., Thromb
// Haemost 1993;69:236-9): between two consecutive INR tests the INR is taken to change linearly,
// and the time it spends within [low, high] (both inclusive, as inr.out_of_range fires only
// outside them) is counted exactly. Spans longer than `maxGapDays` (56 days: 8 weeks, the
// usual cut-off) are left out, neither in nor out of range. `points`: [{t, v}] in any order.
// Returns {percent, inDays, totalDays, tests}; percent is null when no span counts (fewer
// than two tests, or only long gaps).
export function rosendaalTtr(points, low, high, maxGapDays = 56) {
  const sorted = points.filter(p => Number.isFinite(p.v) && Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  let inside = 0, total = 0;
  for (let i = 1; i < sorted.length; ++i) {
    const a = sorted[i - 1], b = sorted[i], span = b.t - a.t;
    if (span <= 0 || span > maxGapDays * DAY) continue;
    total += span;
    inside += span * fractionWithin(a.v, b.v, low, high);
  }
  return {percent: total > 0 ? 100 * inside / total : null, inDays: inside / DAY, totalDays: total / DAY,
          tests: sorted.length};
}

// How the TTR's time reads to a clinician: in days over a span of two days or more (whole days),
// else in hours, under an hour in minutes (a demo's tests seconds or minutes apart read "0/0
// days" or "0,0/0,0 h", which says nothing). `ttr`: rosendaalTtr()'s answer. Returns
// {unit: "days" | "hours" | "minutes", inside, total}.
export function ttrSpan(ttr) {
  if (ttr.totalDays >= 2) return {unit: "days", inside: ttr.inDays, total: ttr.totalDays};
  if (ttr.totalDays * 24 >= 1) return {unit: "hours", inside: ttr.inDays * 24, total: ttr.totalDays * 24};
  return {unit: "minutes", inside: ttr.inDays * 1440, total: ttr.totalDays * 1440};
}

// The share of a straight line from INR `a` to INR `b` that lies within [low, high].
function fractionWithin(a, b, low, high) {
  if (a === b) return a >= low && a <= high ? 1 : 0;
  const lo = Math.min(a, b), hi = Math.max(a, b);
  return Math.max(0, Math.min(hi, high) - Math.max(lo, low)) / (hi - lo);
}

// Self-measured values (e.g. glucose from a meter) below, within [low, high] and above, as
// counts and percentages of all. A meter gives single readings, not a continuous trace, so this
// is the share of readings in range, not a CGM's time in range.
export function readingsInRange(values, low, high) {
  const finite = values.filter(Number.isFinite);
  const below = finite.filter(v => v < low).length, above = finite.filter(v => v > high).length;
  const n = finite.length, inRange = n - below - above;
  const pct = k => (n ? 100 * k / n : null);
  return {n, below, inRange, above, belowPct: pct(below), inPct: pct(inRange), abovePct: pct(above)};
}

// The mean of the finite values; null when there are none.
export function mean(values) {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

// Ticks for a time axis from t0 to t1: whole local days, every 1, 2, 7 or 14 days so that at
// most `most` fit (midnights in the browser's time zone).
export function dayTicks(t0, t1, most = 8) {
  const step = [1, 2, 7, 14, 28].find(d => (t1 - t0) / (d * DAY) <= most) || 28;
  const first = new Date(t0);
  first.setHours(0, 0, 0, 0);
  const out = [];
  for (let d = new Date(first); d.getTime() <= t1; d.setDate(d.getDate() + step)) {
    if (d.getTime() >= t0) out.push(d.getTime());
  }
  return out;
}

// The p-th percentile (0-100) of sorted numbers, linear between closest ranks (Hyndman-Fan
// type 7, R's and NumPy's default). REQUIRES: `sorted` ascending, not empty.
export function percentile(sorted, p) {
  const h = (sorted.length - 1) * p / 100, lo = Math.floor(h), hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

// The daily pattern of an ambulatory glucose profile (AGP, Bergenstal et al. 2013): the
// readings of every day laid over one day by their local time of day, in bins of `binHours`,
// and per bin the 5th, 25th, 50th, 75th and 95th percentiles. `points`: [{t, v}]. Returns the
// bins that hold readings, in time-of-day order: [{hour (the bin's start), n, p5, p25, p50,
// p75, p95}].
export function dailyPattern(points, binHours = 2) {
  const bins = new Map();
  for (const {t, v} of points) {
    if (!Number.isFinite(v) || !Number.isFinite(t)) continue;
    const hour = Math.floor(new Date(t).getHours() / binHours) * binHours;
    if (!bins.has(hour)) bins.set(hour, []);
    bins.get(hour).push(v);
  }
  return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([hour, values]) => {
    const sorted = values.sort((a, b) => a - b), at = p => percentile(sorted, p);
    return {hour, n: sorted.length, p5: at(5), p25: at(25), p50: at(50), p75: at(75), p95: at(95)};
  });
}
