// The patient overview's clinical figures (issue 18 part 4), server/web/js/figures.js without a
// browser:   node figures.mjs PATH/TO/figures.js
// Rosendaal time in therapeutic range (linear interpolation between INR tests, long gaps left
// out), the share of glucose readings in range, the time axis' day ticks. Exit 1 naming the
// first wrong figure.
import {readFileSync} from "node:fs";

const src = readFileSync(process.argv[2], "utf8");
const {rosendaalTtr, readingsInRange, dayTicks, percentile, dailyPattern, mean, ttrSpan} =
  await import("data:text/javascript," + encodeURIComponent(src));
let failed = 0;
function check(ok, what) { console.log((ok ? "ok: " : "FAILED: ") + what); if (!ok) failed = 1; }
const near = (a, b) => a !== null && Math.abs(a - b) < 1e-9;

const DAY = 86400000, t0 = Date.UTC(2026, 10, 1, 9);
const inr = (...pairs) => pairs.map(([day, v]) => ({t: t0 + day * DAY, v}));

// Rosendaal 1993's own kind of example: 1.8 on day 0, 3.4 on day 16, range 2.0-3.0: the line
// enters the range at day 2 (2.0) and leaves it at day 12 (3.0): 10 of 16 days.
let r = rosendaalTtr(inr([0, 1.8], [16, 3.4]), 2, 3);
check(near(r.percent, 62.5) && near(r.inDays, 10) && near(r.totalDays, 16) && r.tests === 2,
      "1.8 -> 3.4 over 16 days, range 2-3: 10 days in range, 62.5 %, got " + r.percent);
// Interpolation, not the share of tests in range: 2 of 3 tests are in range (67 %), but the
// INR is above 3.0 for half of each span.
r = rosendaalTtr(inr([0, 2.5], [10, 3.5], [20, 2.5]), 2, 3);
check(near(r.percent, 50), "2.5, 3.5, 2.5 ten days apart: 50 % (not 2 of 3 tests), got " + r.percent);
check(near(rosendaalTtr(inr([0, 2], [10, 3]), 2, 3).percent, 100),
      "both limits are in range (the rule fires outside them): 2.0 -> 3.0 is 100 %");
check(near(rosendaalTtr(inr([0, 3], [7, 3]), 2, 3).percent, 100) &&
      near(rosendaalTtr(inr([0, 3.5], [7, 3.5]), 2, 3).percent, 0),
      "a level INR: 100 % on the limit, 0 % outside");
check(near(rosendaalTtr(inr([20, 2.5], [0, 1.5], [10, 2.5]), 2, 3).percent, 75),
      "tests in any order are sorted by time: 1.5 -> 2.5 -> 2.5 is 75 %");
check(near(rosendaalTtr(inr([0, 1.0], [10, 4.0]), 2.5, 3.5).percent, 100 / 3),
      "the patient's own range (2.5-3.5) is used: 1.0 -> 4.0 is a third in range");
r = rosendaalTtr(inr([0, 2.5], [100, 2.5], [110, 3.5]), 2, 3);
check(near(r.percent, 50) && near(r.totalDays, 10),
      "a gap over 56 days between tests is left out: only the last 10 days count, 50 %");
check(rosendaalTtr(inr([0, 2.5]), 2, 3).percent === null &&
      rosendaalTtr(inr([0, 2.5], [60, 2.5]), 2, 3).percent === null &&
      rosendaalTtr([], 2, 3).percent === null,
      "one test, only a long gap or none: no figure (null), never 0 or 100 %");
check(near(rosendaalTtr(inr([0, 2.5], [0, 3.5], [10, 2.5]), 2, 3).percent, 50),
      "two tests at the same time add no span and no division by zero");

const g = readingsInRange([3.5, 5.0, 7.2, 10.0, 12.1, NaN], 3.9, 10);
check(g.n === 5 && g.below === 1 && g.inRange === 3 && g.above === 1 && near(g.inPct, 60),
      "glucose 3.5, 5.0, 7.2, 10.0, 12.1 in 3.9-10.0: 1 below, 3 in (10.0 included), 1 above, 60 %");
check(readingsInRange([], 3.9, 10).inPct === null, "no glucose readings: no share (null)");
check(mean([140, 130, 186, NaN]) === 152 && mean([]) === null, "mean of the finite values (home BP 140, 130, 186 -> 152); none -> null");

const start = new Date(2026, 10, 1, 13).getTime();
const week = dayTicks(start, start + 7 * DAY), quarter = dayTicks(start, start + 90 * DAY);
check(week.length === 7 && week.every(t => new Date(t).getHours() === 0) &&
      week[1] - week[0] >= 23 * 3600000,
      "7 days: a tick at each local midnight inside the span (" + week.length + ")");
check(quarter.length >= 3 && quarter.length <= 8 && quarter.every(t => t >= start && t <= start + 90 * DAY),
      "90 days: at most 8 ticks, all inside the span (" + quarter.length + ")");
const five = [1, 2, 3, 4, 5];
check(percentile(five, 50) === 3 && percentile(five, 25) === 2 && near(percentile(five, 5), 1.2) &&
      near(percentile(five, 95), 4.8) && percentile([7], 95) === 7,
      "percentiles linear between ranks: 1..5 -> p5 1.2, p25 2, p50 3, p95 4.8; one value is every percentile");
// AGP: readings of several days laid over one day by local time of day, two-hour bins.
const at = (day, h, m) => new Date(2026, 10, day, h, m).getTime();
const agp = dailyPattern([{t: at(1, 7, 10), v: 5}, {t: at(2, 7, 50), v: 7}, {t: at(3, 6, 5), v: 9},
                          {t: at(1, 22, 0), v: 8}, {t: at(4, 23, 59), v: 6}, {t: at(5, 13, 0), v: NaN}]);
check(agp.map(b => b.hour + ":" + b.n).join(" ") === "6:3 22:2",
      "daily pattern: 06-08 holds three days' readings, 22-24 two; an empty bin or NaN adds nothing: " +
      agp.map(b => b.hour + ":" + b.n).join(" "));
check(agp[0].p50 === 7 && near(agp[0].p25, 6) && near(agp[0].p75, 8) && near(agp[0].p5, 5.2) && near(agp[0].p95, 8.8) &&
      agp[1].p50 === 7, "daily pattern: per bin the 5/25/50/75/95th percentiles (5, 7, 9 -> 5.2, 6, 7, 8, 8.8)");
// How the TTR's time reads: tests minutes apart in hours, not "0/0 days"; two days or more in days.
const MIN = 60000;
let span = ttrSpan(rosendaalTtr([{t: t0, v: 2}, {t: t0 + 10 * MIN, v: 3}, {t: t0 + 20 * MIN, v: 4}], 2, 3));
check(span.unit === "minutes" && near(span.total, 20) && near(span.inside, 10),
      "tests 10 min apart (2, 3, 4 in 2-3): 10 of 20 minutes in range, read in minutes (not 0,2/0,3 h), got " + JSON.stringify(span));
span = ttrSpan(rosendaalTtr([{t: t0, v: 2}, {t: t0 + 60 * MIN, v: 3}], 2, 3));
check(span.unit === "hours" && near(span.total, 1), "an hour exactly: in hours (1/1 h), got " + JSON.stringify(span));
span = ttrSpan(rosendaalTtr(inr([0, 2.5], [1.5, 2.5]), 2, 3));
check(span.unit === "hours" && near(span.total, 36), "a day and a half: 36 h, got " + JSON.stringify(span));
span = ttrSpan(rosendaalTtr(inr([0, 1.8], [16, 3.4]), 2, 3));
check(span.unit === "days" && near(span.inside, 10) && near(span.total, 16), "16 days: in days (10/16), got " + JSON.stringify(span));
process.exit(failed);
