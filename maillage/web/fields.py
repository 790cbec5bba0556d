"""Form fields shared by every page of the site."""

import datetime

from django import forms
from django.utils import timezone

DATE_INPUT_FORMAT = "%Y-%m-%d"


class PlausibleDateField(forms.DateField):
    """A date within a plausible range around today, checked on the server with a French message
    and announced to the browser (`min`/`max` of the date input).

    The range is counted in whole years around the current year: `years_before` years back
    (1st January) and `years_after` years ahead (31st December). A typo such as 1900 or 20255
    is refused instead of being stored. Every date field of the site's forms is one of these
    (pinned by a consistency test).
    """

    default_error_messages = {
        "invalid": "Saisissez une date valide (jj/mm/aaaa).",
        "required": "Indiquez la date.",
        "out_of_range": "Saisissez une date comprise entre le %(low)s et le %(high)s.",
    }

    def __init__(self, *, years_before: int = 25, years_after: int = 10, **kwargs):
        self.years_before = years_before
        self.years_after = years_after
        kwargs.setdefault(
            "widget",
            forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT_FORMAT),
        )
        super().__init__(**kwargs)

    def bounds(self, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        today = today or timezone.localdate()
        return (
            datetime.date(today.year - self.years_before, 1, 1),
            datetime.date(today.year + self.years_after, 12, 31),
        )

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        low, high = self.bounds()
        if not low <= value <= high:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"low": low.strftime("%d/%m/%Y"), "high": high.strftime("%d/%m/%Y")},
            )

    def __deepcopy__(self, memo):
        # Each form gets its own copy of the field: the browser's range follows today's date.
        copy = super().__deepcopy__(memo)
        low, high = copy.bounds()
        copy.widget.attrs.update(min=low.isoformat(), max=high.isoformat())
        return copy
