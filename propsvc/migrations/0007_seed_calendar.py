"""Seed the working-day calendar with 2004–2026 from the chinesecalendar package.

Only the exceptions to the weekly rule are stored: a weekday that is a public holiday and a
weekend day that is an adjusted workday (调休上班日). The package covers 2004–2026 and raises for
any other year; later years are entered in the app (propsvc.calendar.calendar_year_enter).
"""

import datetime

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2004, 2026

# The package's Chinese names, written as the State Council's notices write them.
OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def seed_calendar(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    CalendarYear = apps.get_model("propsvc", "CalendarYear")
    CalendarDay = apps.get_model("propsvc", "CalendarDay")

    def chinese(english):
        try:
            name = Holiday(english).chinese
        except ValueError:
            return None
        return OFFICIAL_NAMES.get(name, name)

    now = datetime.datetime.now(datetime.UTC)
    days = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        calendar_year = CalendarYear.objects.create(
            year=year, source="chinesecalendar", entered_by=None, entered_at=now
        )
        day = datetime.date(year, 1, 1)
        while day.year == year:
            off, english = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            name = chinese(english) if english else None
            if off and not weekend:
                days.append(CalendarDay(calendar_year=calendar_year, date=day, kind="holiday", name=name or "法定节假日"))
            elif not off and weekend:
                name = f"{name}调休" if name else "调休上班日"
                days.append(CalendarDay(calendar_year=calendar_year, date=day, kind="workday", name=name))
            day += datetime.timedelta(days=1)
    CalendarDay.objects.bulk_create(days)


def unseed_calendar(apps, schema_editor):
    CalendarYear = apps.get_model("propsvc", "CalendarYear")
    CalendarYear.objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("propsvc", "0006_working_day_calendar")]

    operations = [migrations.RunPython(seed_calendar, unseed_calendar)]
