"""The committee calendar: a pure function of rules, period and anchor dates."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.conventions.schedule import (
    DOCUMENTS,
    MEETING,
    BodyRule,
    CalendarRuleError,
    add_months,
    build_calendar,
    next_meeting,
    to_ics,
    upcoming,
    working_day,
)

D = datetime.date
START, END = D(2021, 1, 1), D(2024, 12, 31)
# The rules of the CTG seeds: COPIL once a year, COTECH twice a year, comité de suivi one month
# before each COPIL, proposals sent 15 days before the COPIL.
RULES = [
    BodyRule(
        "COPIL", "Comité de pilotage", meetings_per_year=1, first_month=11, documents_days_before=15
    ),
    BodyRule("COTECH", "Comité technique", meetings_per_year=2, first_month=3),
    BodyRule("SUIVI", "Comité de suivi", relative_to="COPIL", offset_months=1),
]


def dates(events, body, kind=MEETING):
    return [e.date for e in events if e.body == body and e.kind == kind]


def test_meetings_follow_the_yearly_rules():
    events = build_calendar(RULES, START, END)
    # 15 November: Monday 2021, Tuesday 2022, Wednesday 2023, Friday 2024 — no weekend shift.
    assert dates(events, "COPIL") == [
        D(2021, 11, 15),
        D(2022, 11, 15),
        D(2023, 11, 15),
        D(2024, 11, 15),
    ]
    # March and September, the 15th; Sunday 15/09/2024 moves to Monday 16/09/2024.
    assert dates(events, "COTECH") == [
        D(2021, 3, 15),
        D(2021, 9, 15),
        D(2022, 3, 15),
        D(2022, 9, 15),
        D(2023, 3, 15),
        D(2023, 9, 15),
        D(2024, 3, 15),
        D(2024, 9, 16),
    ]


def test_follow_up_committee_one_month_before_each_copil_and_documents_15_days_before():
    events = build_calendar(RULES, START, END)
    assert dates(events, "SUIVI") == [
        D(2021, 10, 15),
        D(2022, 10, 15),
        D(2023, 10, 15),
        D(2024, 10, 15),
    ]
    documents = [e for e in events if e.kind == DOCUMENTS]
    assert [e.date for e in documents] == [
        D(2021, 10, 31),
        D(2022, 10, 31),
        D(2023, 10, 31),
        D(2024, 10, 31),
    ]
    assert all(e.body == "COPIL" and (e.meeting_date - e.date).days == 15 for e in documents)
    assert events == sorted(events, key=lambda e: (e.date, e.kind != DOCUMENTS, e.body))


def test_a_fixed_meeting_replaces_the_computed_one_and_moves_what_depends_on_it():
    events = build_calendar(RULES, START, END, anchors={"COPIL": [D(2022, 12, 1)]})
    assert D(2022, 12, 1) in dates(events, "COPIL")
    assert D(2022, 11, 15) not in dates(events, "COPIL")
    assert D(2022, 11, 1) in dates(events, "SUIVI")  # one month before the fixed COPIL
    assert D(2022, 11, 16) in dates(events, "COPIL", DOCUMENTS)  # 15 days before
    fixed = next(e for e in events if e.date == D(2022, 12, 1))
    assert fixed.confirmed and not next(e for e in events if e.date == D(2021, 11, 15)).confirmed


def test_an_extra_fixed_meeting_far_from_any_computed_one_is_added():
    # COTECH twice a year: a fixed date replaces a computed one less than 182 // 2 days away.
    events = build_calendar(RULES, START, END, anchors={"COTECH": [D(2022, 3, 20), D(2022, 4, 1)]})
    cotech = dates(events, "COTECH")
    assert len(cotech) == 9
    assert D(2022, 3, 20) in cotech and D(2022, 4, 1) in cotech and D(2022, 3, 15) not in cotech
    assert D(2022, 9, 15) in cotech


def test_weekend_dates_move_to_monday_and_months_are_clamped():
    assert working_day(D(2020, 11, 15)) == D(2020, 11, 16)  # Sunday
    assert working_day(D(2021, 5, 15)) == D(2021, 5, 17)  # Saturday
    assert working_day(D(2021, 11, 15)) == D(2021, 11, 15)
    assert add_months(D(2021, 3, 31), -1) == D(2021, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2021, 1, 15), -1) == D(2020, 12, 15)


def test_next_meeting_and_upcoming_deadlines():
    events = build_calendar(RULES, START, END)
    on = D(2023, 10, 20)
    assert next_meeting(events, "COPIL", on).date == D(2023, 11, 15)
    assert next_meeting(events, "COTECH", on).date == D(2024, 3, 15)
    assert next_meeting(events, "COPIL", D(2025, 1, 1)) is None
    soon = upcoming(events, on, within_days=30)
    assert [(e.body, e.kind, e.date) for e in soon] == [
        ("COPIL", DOCUMENTS, D(2023, 10, 31)),
        ("COPIL", MEETING, D(2023, 11, 15)),
    ]


@pytest.mark.parametrize(
    "rules, message",
    [
        ([BodyRule("A", relative_to="B")], "n'existe pas"),
        ([BodyRule("A", relative_to="B"), BodyRule("B", relative_to="A")], "circulaires"),
        ([BodyRule("A", meetings_per_year=1), BodyRule("A")], "deux fois"),
        ([BodyRule("A", meetings_per_year=1, relative_to="A")], "choisir entre"),
        ([BodyRule("A", meetings_per_year=1, first_month=13)], "mois de 1 à 12"),
    ],
)
def test_inconsistent_rules_are_refused_in_french(rules, message):
    with pytest.raises(CalendarRuleError, match=message):
        build_calendar(rules, START, END)


def test_ics_export_is_valid_rfc5545():
    events = build_calendar(RULES, START, END)
    ics = to_ics(
        events,
        calendar_name="Instances — CTG, bassin de Carros",
        uid_prefix="ctg",
        now=datetime.datetime(2026, 1, 2, 3, 4, 5),
    )
    lines = ics.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert ics.count("BEGIN:VEVENT") == len(events) == ics.count("END:VEVENT")
    assert "DTSTART;VALUE=DATE:20211115" in lines and "DTEND;VALUE=DATE:20211116" in lines
    assert "X-WR-CALNAME:Instances — CTG\\, bassin de Carros" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\n" not in ics.replace("\r\n", "")
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(uids)


@settings(max_examples=60, deadline=None)
@given(
    per_year=st.integers(min_value=1, max_value=12),
    first_month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=28),
    documents=st.integers(min_value=0, max_value=40),
    year=st.integers(min_value=2000, max_value=2040),
)
def test_any_rule_gives_its_meetings_in_each_full_year(per_year, first_month, day, documents, year):
    rule = BodyRule(
        "X",
        meetings_per_year=per_year,
        first_month=first_month,
        day=day,
        documents_days_before=documents,
    )
    events = build_calendar([rule], D(year, 1, 1), D(year + 1, 12, 31))
    meetings = [e for e in events if e.kind == MEETING]
    # Every computed meeting falls on a working day inside the period, spread over the months.
    assert all(
        e.date.weekday() < 5 and D(year, 1, 1) <= e.date <= D(year + 1, 12, 31) for e in meetings
    )
    # The rule is periodic over twelve months: the second year (which also receives the meetings
    # the first year's rule pushes past December) has exactly `per_year` meetings.
    assert len([e for e in meetings if e.date.year == year + 1]) == per_year
    deadlines = [e for e in events if e.kind == DOCUMENTS]
    assert len(deadlines) == (len(meetings) if documents else 0)
    assert all((e.meeting_date - e.date).days == documents for e in deadlines)
