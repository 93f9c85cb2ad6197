"""Time for the generators: five years ending now, in whole seconds of Asia/Shanghai wall time.

A moment is an int: seconds since 00:00 of the first day (local). Shanghai has kept UTC+8 all
year since 1991, so wall-clock seconds are real seconds and a moment is written "… +08" as it is.
The shapes of the year, the week and the day (more complaints in summer, fewer on Sundays and
holidays, the counter busiest mid-morning) are weights; samples of a case type come from them.
"""

import bisect
import datetime
import itertools
import math
from zoneinfo import ZoneInfo

DAY = 86_400
HOUR = 3_600
MINUTE = 60
TZ = ZoneInfo("Asia/Shanghai")

# The year's shape per case type (January … December). Complaints: summer (June–August) about 1.6×
# winter — heat, water pressure, mosquitoes, renovation noise, windows open; reception a milder
# curve; violations peak with the spring and autumn renovation seasons.
MONTH_SHAPE = {
    "complaint": [1.0, 0.9, 1.05, 1.15, 1.3, 1.5, 1.6, 1.5, 1.3, 1.15, 1.05, 1.0],
    "record": [0.95, 0.8, 1.05, 1.1, 1.15, 1.3, 1.35, 1.3, 1.15, 1.1, 1.0, 0.95],
    "violation": [0.8, 0.6, 1.2, 1.4, 1.3, 1.1, 1.0, 1.0, 1.3, 1.3, 1.0, 0.8],
    "lookup": [1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
}
# Monday … Sunday: the service center is open every day, Sundays are quietest.
WEEK_SHAPE = {
    "complaint": [1.15, 1.05, 1.0, 1.0, 1.0, 0.8, 0.7],
    "record": [1.2, 1.05, 1.0, 1.0, 1.05, 0.85, 0.7],
    "violation": [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7],
    "lookup": [1.0, 1.0, 1.0, 1.0, 1.0, 0.15, 0.1],
}
HOLIDAY_FACTOR = {"complaint": 0.7, "record": 0.6, "violation": 0.6, "lookup": 0.1}
# Hour of day 0 … 23: office hours 08:30–17:30 with the mid-morning and afternoon peaks; calls and
# online messages in the evening; a few at night (online, emergencies).
HOUR_SHAPE = [
    0.05,
    0.03,
    0.02,
    0.02,
    0.02,
    0.04,
    0.15,
    0.5,
    1.3,
    1.9,
    2.0,
    1.7,
    0.9,
    1.1,
    1.6,
    1.7,
    1.6,
    1.2,
    0.8,
    0.7,
    0.6,
    0.45,
    0.2,
    0.1,
]
OFFICE_HOURS = [0.0] * 8 + [1.0, 1.6, 1.6, 1.3, 0.3, 0.8, 1.4, 1.4, 1.2, 0.6] + [0.0] * 6
HOUR_CUM = list(itertools.accumulate(HOUR_SHAPE))
OFFICE_CUM = list(itertools.accumulate(OFFICE_HOURS))


class Clock:
    def __init__(self, now: datetime.datetime, *, years: int = 5, holidays=frozenset()):
        local = now.astimezone(TZ)
        self.today = local.date()
        try:
            self.first_day = self.today.replace(year=self.today.year - years)
        except ValueError:  # 29 February
            self.first_day = self.today.replace(year=self.today.year - years, day=28)
        self.days = (self.today - self.first_day).days + 1
        self.now = (self.days - 1) * DAY + local.hour * HOUR + local.minute * MINUTE + local.second
        # Dates from ten years before the window (handover dates) to a year after it (deadlines).
        self.offset = 3_660
        span = range(-self.offset, self.days + 400)
        self._dates = [(self.first_day + datetime.timedelta(days=d)).isoformat() for d in span]
        self._days = [f"{d} " for d in self._dates]
        self._times = [f"{h:02d}:{m:02d}:{s:02d}+08" for h in range(24) for m in range(60) for s in range(60)]
        self._holidays = holidays
        self._shapes: dict[str, list[float]] = {}

    # -- writing moments -----------------------------------------------------------------------

    def ts(self, t: int) -> str:
        return self._days[t // DAY + self.offset] + self._times[t % DAY]

    def date(self, t: int) -> str:
        return self._dates[t // DAY + self.offset]

    def day_of(self, day: datetime.date) -> int:
        return (day - self.first_day).days

    def end_of_day(self, t: int) -> int:
        """24:00 of the day of t (R-TIME-1: a deadline "by that day" runs to its end)."""
        return (t // DAY + 1) * DAY

    def office(self, t: int, rng) -> int:
        """Staff act in working hours: a step that would fall between 21:00 and 08:00 is done the
        next morning (a few call and patrol shifts aside, which the seed does not model)."""
        second = t % DAY
        if second < 8 * HOUR:
            return t - second + 8 * HOUR + rng.randrange(90 * MINUTE)
        if second >= 21 * HOUR:
            return t - second + DAY + 8 * HOUR + rng.randrange(90 * MINUTE)
        return t

    def in_call_hours(self, t: int) -> int:
        """R-CB-6: the first moment at or after t between 08:00 and 22:00; a night moves to 09:00."""
        second = t % DAY
        if second < 8 * HOUR:
            return t - second + 9 * HOUR
        if second > 22 * HOUR:
            return t - second + DAY + 9 * HOUR
        return t

    # -- sampling ----------------------------------------------------------------------------------

    def cumulative(self, kind: str) -> list[float]:
        """Cumulative day weights over the window for a case type."""
        if kind not in self._shapes:
            months, week = MONTH_SHAPE[kind], WEEK_SHAPE[kind]
            holiday = HOLIDAY_FACTOR[kind]
            weights = []
            for d in range(self.days):
                day = self.first_day + datetime.timedelta(days=d)
                w = months[day.month - 1] * week[day.weekday()]
                if day in self._holidays:
                    w *= holiday
                weights.append(w)
            weights[-1] *= self.now % DAY / DAY  # today has only begun
            self._shapes[kind] = list(itertools.accumulate(weights))
        return self._shapes[kind]

    def sample_day(self, rng, cum: list[float], since: int = 0) -> int:
        lo = cum[since - 1] if since > 0 else 0.0
        return bisect.bisect_right(cum, lo + rng.random() * (cum[-1] - lo))

    def moment(self, rng, cum: list[float], hour_cum: list[float] = HOUR_CUM, since: int = 0) -> int:
        """A moment on a day drawn from `cum` (not before day `since`), at an hour drawn from the
        cumulative hour weights, never later than now."""
        for _ in range(20):
            day = min(self.sample_day(rng, cum, since), self.days - 1)
            hour = bisect.bisect_right(hour_cum, rng.random() * hour_cum[-1])
            t = day * DAY + min(hour, 23) * HOUR + rng.randrange(HOUR)
            if t <= self.now:
                return t
        return self.now - rng.randrange(HOUR)


def lognormal_seconds(rng, median_hours: float, sigma: float, *, low: int = 60, high: int = 60 * DAY) -> int:
    """A duration whose median is `median_hours`, with a long right tail (a few cases take days)."""
    seconds = int(rng.lognormvariate(math.log(median_hours * HOUR), sigma))
    return max(low, min(high, seconds))
