"""The committee calendar: rules + period + anchor dates → dated meetings and document deadlines.

Pure: no Django, no database. `Convention.calendar()` feeds it from the models.

Rules (one per body):
- `meetings_per_year` meetings, the first in `first_month`, the next ones every 12/n months,
  on `day` (moved to the next Monday when it falls on a weekend);
- or, with `relative_to`, one meeting before each meeting of another body, `offset_months`
  months and `offset_days` days earlier ("le comité de suivi se réunit un mois avant chaque
  COPIL");
- `documents_days_before`: the documents are sent that many days before each meeting
  ("les propositions sont transmises 15 jours avant le COPIL").

Anchor dates are meetings already fixed (held or convened): each replaces the computed meeting of
the same body nearest to it, and the relative bodies and document deadlines follow it.
"""

import calendar
import datetime
from dataclasses import dataclass, field

MEETING = "meeting"
DOCUMENTS = "documents"


@dataclass(frozen=True)
class BodyRule:
    code: str
    name: str = ""
    meetings_per_year: int = 0
    first_month: int = 6
    day: int = 15
    relative_to: str = ""
    offset_months: int = 0
    offset_days: int = 0
    documents_days_before: int = 0


@dataclass(frozen=True)
class CalendarEvent:
    body: str
    body_name: str
    kind: str  # MEETING or DOCUMENTS
    date: datetime.date
    confirmed: bool = False  # an anchor date (a fixed meeting) rather than a computed one
    meeting_date: datetime.date | None = None  # for DOCUMENTS: the meeting they prepare

    @property
    def label(self) -> str:
        if self.kind == DOCUMENTS:
            return f"{self.body_name or self.body} : envoi des documents (réunion du {self.meeting_date:%d/%m/%Y})"
        return f"{self.body_name or self.body} : réunion"

    def as_dict(self) -> dict:
        return {
            "body": self.body,
            "body_name": self.body_name,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "confirmed": self.confirmed,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "label": self.label,
        }


@dataclass
class _Meeting:
    date: datetime.date
    confirmed: bool = False
    extra: list = field(default_factory=list)


class CalendarRuleError(ValueError):
    pass


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by `months` months, clamped to the end of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def working_day(day: datetime.date) -> datetime.date:
    """Saturday and Sunday move to the next Monday."""
    if day.weekday() >= 5:
        return day + datetime.timedelta(days=7 - day.weekday())
    return day


def _check(rules: list[BodyRule]) -> dict[str, BodyRule]:
    by_code = {}
    for rule in rules:
        if rule.code in by_code:
            raise CalendarRuleError(f"Instance « {rule.code} » définie deux fois.")
        if rule.relative_to and rule.meetings_per_year:
            raise CalendarRuleError(
                f"Instance « {rule.code} » : choisir entre un nombre de réunions par an et une "
                "réunion relative à une autre instance, pas les deux."
            )
        if not 1 <= rule.first_month <= 12:
            raise CalendarRuleError(f"Instance « {rule.code} » : mois de 1 à 12 attendu.")
        if not 1 <= rule.day <= 31:
            raise CalendarRuleError(f"Instance « {rule.code} » : jour de 1 à 31 attendu.")
        if rule.meetings_per_year < 0 or rule.meetings_per_year > 12:
            raise CalendarRuleError(
                f"Instance « {rule.code} » : de 0 à 12 réunions par an attendues."
            )
        by_code[rule.code] = rule
    for rule in rules:
        if rule.relative_to and rule.relative_to not in by_code:
            raise CalendarRuleError(
                f"Instance « {rule.code} » : l'instance de référence « {rule.relative_to} » "
                "n'existe pas."
            )
        seen, current = {rule.code}, rule
        while current.relative_to:
            current = by_code[current.relative_to]
            if current.code in seen:
                raise CalendarRuleError(f"Instance « {rule.code} » : règles circulaires.")
            seen.add(current.code)
    return by_code


def _periodic(rule: BodyRule, start: datetime.date, end: datetime.date) -> list[_Meeting]:
    meetings = []
    if rule.meetings_per_year <= 0:
        return meetings
    step = 12 // rule.meetings_per_year
    for year in range(start.year, end.year + 1):
        for index in range(rule.meetings_per_year):
            month = rule.first_month + index * step
            base = datetime.date(year, 1, 1)
            day = add_months(base, month - 1)
            last = calendar.monthrange(day.year, day.month)[1]
            day = working_day(day.replace(day=min(rule.day, last)))
            if start <= day <= end:
                meetings.append(_Meeting(day))
    return meetings


def _apply_anchors(
    meetings: list[_Meeting], anchors: list[datetime.date], tolerance: int
) -> list[_Meeting]:
    """Each anchor replaces the nearest computed (unconfirmed) meeting less than `tolerance` days
    away (half the spacing of the meetings); otherwise it is an extra meeting."""
    for anchor in sorted(anchors):
        free = [m for m in meetings if not m.confirmed]
        if free:
            nearest = min(free, key=lambda m: abs((m.date - anchor).days))
            if abs((nearest.date - anchor).days) <= tolerance:
                nearest.date, nearest.confirmed = anchor, True
                continue
        meetings.append(_Meeting(anchor, confirmed=True))
    return sorted(meetings, key=lambda m: m.date)


def build_calendar(
    rules: list[BodyRule],
    start: datetime.date,
    end: datetime.date,
    anchors: dict[str, list[datetime.date]] | None = None,
) -> list[CalendarEvent]:
    """Every meeting and document deadline of the period [start, end], in date order."""
    if end < start:
        raise CalendarRuleError("La fin de la période précède son début.")
    by_code = _check(rules)
    anchors = anchors or {}
    meetings: dict[str, list[_Meeting]] = {}

    def _per_year(code: str) -> int:
        rule = by_code[code]
        return rule.meetings_per_year or (_per_year(rule.relative_to) if rule.relative_to else 0)

    def resolve(code: str) -> list[_Meeting]:
        if code in meetings:
            return meetings[code]
        rule = by_code[code]
        if rule.relative_to:
            computed = []
            for parent in resolve(rule.relative_to):
                day = add_months(parent.date, -rule.offset_months)
                day -= datetime.timedelta(days=rule.offset_days)
                computed.append(_Meeting(day))
        else:
            computed = _periodic(rule, start, end)
        per_year = _per_year(code)
        tolerance = 365 // (2 * per_year) if per_year else 0
        result = _apply_anchors(computed, list(anchors.get(code, [])), tolerance)
        meetings[code] = [m for m in result if start <= m.date <= end or m.confirmed]
        return meetings[code]

    events = []
    for rule in rules:
        for meeting in resolve(rule.code):
            events.append(
                CalendarEvent(rule.code, rule.name, MEETING, meeting.date, meeting.confirmed)
            )
            if rule.documents_days_before:
                deadline = meeting.date - datetime.timedelta(days=rule.documents_days_before)
                events.append(
                    CalendarEvent(
                        rule.code,
                        rule.name,
                        DOCUMENTS,
                        deadline,
                        meeting.confirmed,
                        meeting_date=meeting.date,
                    )
                )
    return sorted(events, key=lambda e: (e.date, e.kind != DOCUMENTS, e.body))


def upcoming(
    events: list[CalendarEvent], on: datetime.date, within_days: int | None = None
) -> list[CalendarEvent]:
    """The events from `on` (included), optionally limited to the next `within_days` days."""
    last = on + datetime.timedelta(days=within_days) if within_days is not None else None
    return [e for e in events if e.date >= on and (last is None or e.date <= last)]


def next_meeting(events: list[CalendarEvent], body: str, on: datetime.date):
    return next((e for e in events if e.body == body and e.kind == MEETING and e.date >= on), None)


def to_ics(events: list[CalendarEvent], *, calendar_name: str, uid_prefix: str, now) -> str:
    """An iCalendar (RFC 5545) file: one all-day VEVENT per event, CRLF line endings."""

    def escape(text: str) -> str:
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    def fold(line: str) -> list[str]:
        # Lines longer than 75 octets are folded (RFC 5545 §3.1).
        out, current = [], ""
        for char in line:
            if len((current + char).encode("utf-8")) > 75:
                out.append(current)
                current = " " + char
            else:
                current += char
        out.append(current)
        return out

    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Maillage//Conventions//FR",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape(calendar_name)}",
    ]
    for event in events:
        uid = f"{uid_prefix}-{event.body}-{event.kind}-{event.date:%Y%m%d}@maillage"
        following = event.date + datetime.timedelta(days=1)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{following:%Y%m%d}",
            f"SUMMARY:{escape(event.label)}",
            "STATUS:CONFIRMED" if event.confirmed else "STATUS:TENTATIVE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in fold(line)) + "\r\n"
