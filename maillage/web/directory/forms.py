"""Forms of the directory pages: public search, cost simulator, file import."""

import datetime
import re

from django import forms

from maillage.core.imports import file_too_large_message, max_bytes
from maillage.directory.enums import (
    AtypicalHours,
    ImportKind,
    StructureKind,
    Theme,
    Weekday,
    days_mask,
    theme_of,
)
from maillage.directory.search import CHILDMINDER, DEFAULT_RADIUS_KM, EAJE, MAX_RADIUS_KM
from maillage.directory.simulation import CareKind
from maillage.territories.models import Commune
from maillage.web.fields import PlausibleDateField


def kind_choices():
    groups = [
        ("", "Tous les services"),
        (EAJE, "Crèches et micro-crèches (tous les EAJE)"),
        (CHILDMINDER, "Assistants maternels"),
    ]
    for theme in Theme:
        kinds = [(k.value, k.label) for k in StructureKind if theme_of(k) == theme]
        groups.append((theme.label, kinds))
    return groups


def commune_label(commune) -> str:
    """How the suggestions show a commune: its name and postal code(s), « Le Broc (06510) »."""
    codes = (commune.postal_codes or [""])[0] or commune.departement.name
    return f"{commune.name} ({codes})"


def resolve_commune(
    text: str, insee: str = "", candidates: list | None = None, postal: list | None = None
):
    """(commune, error): by INSEE code, postcode or name; French message when not found.
    When several communes match a name, they are appended to `candidates`. When a postal code
    typed alone is shared by several communes, they are appended to `postal` (the search runs
    around all of them) and there is no error."""
    if insee:
        commune = Commune.objects.filter(insee_code=insee).first()
        if commune is not None and (not text or text.lower().startswith(commune.name.lower())):
            return commune, None
    text = (text or "").strip()
    if not text:
        return None, None
    name = text.split("(")[0].strip()
    code = text.split("(")[1].rstrip(")").strip() if "(" in text else ""
    if name.isdigit():
        code, name = name, ""
    qs = Commune.objects.defer("geometry")  # contours weigh kilobytes: read by the map only
    if code and name:
        found = list(
            qs.filter(name__iexact=name).filter(insee_code=code)
            or [c for c in qs.filter(name__iexact=name) if code in (c.postal_codes or [])]
        )
    elif code:
        found = list(qs.filter(insee_code=code)) or list(qs.with_postal_code(code))
    else:
        found = list(qs.filter(name__iexact=name)) or list(qs.search(name)[:10])
    if len(found) == 1:
        return found[0], None
    if (
        found
        and postal is not None
        and code
        and not name
        and code not in {c.insee_code for c in found}
    ):
        postal.extend(sorted(found, key=lambda c: c.name))
        return None, None
    if not found:
        return None, (
            f"Aucune commune ne correspond à « {text} ». Vérifiez l'orthographe ou saisissez "
            "le code postal."
        )
    if candidates is not None:
        candidates.extend(found[:8])
    names = ", ".join(commune_label(c) for c in found[:8])
    return None, f"Plusieurs communes correspondent à « {text} » : {names}. Précisez laquelle."


MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?")  # 2025-03, or a full date 2025-03-14
FRENCH_RE = re.compile(r"(?:\d{1,2}/)?(\d{1,2})/(\d{4})")  # 03/2025, or 14/03/2025


def birth_month(text: str) -> tuple[int, int] | None:
    """(year, month) of a birth month typed as aaaa-mm or mm/aaaa; a full date is reduced to its
    month (the day is never kept). None when unreadable."""
    text = (text or "").strip()
    match = MONTH_RE.fullmatch(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = FRENCH_RE.fullmatch(text)
        if not match:
            return None
        year, month = int(match.group(2)), int(match.group(1))
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        return None
    return year, month


FIRST_CARE_MONTHS = 3  # the age used when a baby's start date is not given


def months_since(month: tuple[int, int], on: datetime.date) -> int:
    """Age in months on `on` of a child born during `month`, to within a month (0 before)."""
    year, number = month
    return max(0, (on.year - year) * 12 + on.month - number)


def search_query_without_birth_date(query) -> str | None:
    """The search's query string with the child's birth date reduced to its month (`naissance`
    aaaa-mm) and the old `birth_date` parameter removed; None when it holds no full date.

    The search stays a GET (shareable, back button), but a birth date is personal: the page
    redirects to this query so that the day never stays in an address, a link or a log."""
    full = query.get("birth_date")
    given = query.get("naissance", "")
    if full is None and not re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*|.*/.*/.*", given):
        return None
    reduced = query.copy()
    reduced.pop("birth_date", None)
    month = birth_month(given or full or "")
    if month is None:
        reduced.pop("naissance", None)
    else:
        reduced["naissance"] = f"{month[0]:04d}-{month[1]:02d}"
    return reduced.urlencode()


class SearchForm(forms.Form):
    commune = forms.CharField(
        label="Commune ou code postal",
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "communes-suggestions",
                "data-communes-api": "/api/v1/communes/",
                "placeholder": "Ex. : Le Broc ou 06510",
            }
        ),
    )
    insee = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)
    radius_km = forms.IntegerField(
        label="Distance maximale (km)",
        required=False,
        min_value=1,
        max_value=MAX_RADIUS_KM,
        initial=DEFAULT_RADIUS_KM,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Saisissez un nombre entier de kilomètres.",
            "min_value": "La distance doit être d'au moins 1 km.",
            "max_value": f"La distance ne peut pas dépasser {MAX_RADIUS_KM} km.",
        },
    )
    kind = forms.ChoiceField(label="Type de service", required=False, choices=kind_choices)
    age_months = forms.IntegerField(
        label="Âge de l'enfant (en mois)",
        required=False,
        min_value=0,
        max_value=215,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Saisissez un âge en mois (nombre entier).",
            "min_value": "L'âge ne peut pas être négatif.",
            "max_value": "L'âge doit être inférieur à 18 ans (215 mois).",
        },
    )
    naissance = forms.CharField(
        label="Ou mois de naissance (prévu)",
        required=False,
        max_length=10,
        help_text="Mois et année (aaaa-mm) ; si l'enfant n'est pas encore né, le mois prévu.",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "aaaa-mm"}),
    )
    needed_from = PlausibleDateField(
        years_before=1,
        years_after=5,
        label="Accueil souhaité à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    days = forms.TypedMultipleChoiceField(
        label="Jours souhaités",
        required=False,
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    from_time = forms.TimeField(
        label="À partir de",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Saisissez une heure (hh:mm)."},
    )
    until_time = forms.TimeField(
        label="Jusqu'à",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Saisissez une heure (hh:mm)."},
    )
    atypical = forms.MultipleChoiceField(
        label="Horaires atypiques",
        required=False,
        choices=AtypicalHours.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    inclusion = forms.BooleanField(
        label="Accueil adapté aux enfants en situation de handicap", required=False
    )
    all_childminders = forms.BooleanField(
        label="Afficher aussi les assistants maternels sans disponibilité déclarée",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
            if self.errors.get(name) if self.is_bound else False:
                field.widget.attrs["aria-invalid"] = "true"

    def clean(self):
        data = super().clean()
        self.commune_candidates = []
        postal = []
        commune, error = resolve_commune(
            data.get("commune", ""), data.get("insee", ""), self.commune_candidates, postal
        )
        if error:
            self.add_error("commune", error)
        data["commune_obj"] = commune
        data["postal_communes"] = postal
        start, until = data.get("from_time"), data.get("until_time")
        if start and until and start >= until:
            self.add_error("until_time", "L'heure de fin doit suivre l'heure de début.")
        if data.get("naissance"):
            month = birth_month(data["naissance"])
            if month is None:
                self.add_error("naissance", "Saisissez un mois de naissance (aaaa-mm).")
            elif data.get("age_months") is not None:
                self.add_error(
                    "naissance", "Indiquez soit l'âge, soit le mois de naissance, pas les deux."
                )
            data["birth_month"] = month
        return data

    def derived_start(self, today: datetime.date) -> datetime.date | None:
        """Without « accueil souhaité à partir du », for a child born (or expected) less than
        FIRST_CARE_MONTHS months before today: the first day of the month they reach that age
        (most crèches admit from 2 to 3 months). The page says so and asks for the date."""
        data = self.cleaned_data
        month = data.get("birth_month")
        if data.get("needed_from") or not month or data.get("age_months") is not None:
            return None
        if months_since(month, today) >= FIRST_CARE_MONTHS:
            return None
        index = month[0] * 12 + month[1] - 1 + FIRST_CARE_MONTHS
        start = datetime.date(index // 12, index % 12 + 1, 1)
        return max(start, today)

    def age_months_value(self, today: datetime.date) -> int | None:
        data = self.cleaned_data
        if data.get("age_months") is not None:
            return data["age_months"]
        if data.get("birth_month"):
            on = data.get("needed_from") or self.derived_start(today) or today
            return months_since(data["birth_month"], on)
        return None

    def days_mask_value(self) -> int:
        return days_mask(self.cleaned_data.get("days") or [])


class SimulatorForm(forms.Form):
    PSU_KINDS = CareKind.CHOICES
    CHILDMINDER = "assistant_maternel"

    care = forms.ChoiceField(
        label="Mode d'accueil",
        choices=[
            *CareKind.CHOICES,
            (CHILDMINDER, "Assistant maternel (estimation du CMG)"),
        ],
        help_text=(
            "« PSU » : crèche au prix du barème national de la Caf, selon vos revenus. "
            "« CMG » : aide mensuelle de la Caf quand vous employez un assistant maternel."
        ),
        initial=CareKind.COLLECTIVE,
    )
    date = PlausibleDateField(
        years_before=10,
        years_after=5,
        label="Date de l'accueil",
        help_text="Les barèmes en vigueur à cette date sont appliqués.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    monthly_resources = forms.DecimalField(
        label="Ressources mensuelles du foyer (€)",
        min_value=0,
        max_digits=9,
        decimal_places=2,
        help_text=(
            "Les revenus du foyer d'il y a deux ans, avant déductions fiscales, divisés par 12 "
            "(terme officiel : ressources N-2 avant abattements)."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"invalid": "Saisissez un montant en euros (ex. 2500 ou 2500,50)."},
    )
    children = forms.IntegerField(
        label="Enfants à charge",
        min_value=1,
        max_value=20,
        initial=1,
        help_text="Y compris l'enfant accueilli.",
        error_messages={"invalid": "Saisissez un nombre entier d'enfants."},
    )
    aeeh_children = forms.IntegerField(
        label="Dont enfants en situation de handicap recevant l'AEEH",
        min_value=0,
        max_value=20,
        initial=0,
        required=False,
        help_text=(
            "AEEH : allocation d'éducation de l'enfant handicapé, versée par la Caf. "
            "Chacun de ces enfants fait baisser le prix."
        ),
        error_messages={"invalid": "Saisissez un nombre entier d'enfants."},
    )
    hours_per_month = forms.DecimalField(
        label="Heures d'accueil par mois",
        min_value=0,
        max_value=744,
        max_digits=5,
        decimal_places=1,
        initial=160,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
        error_messages={"invalid": "Saisissez un nombre d'heures."},
    )
    hourly_wage = forms.DecimalField(
        label="Salaire horaire net de l'assistant maternel (€)",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=2,
        help_text="Seulement pour un assistant maternel.",
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"invalid": "Saisissez un montant en euros."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        if data.get("aeeh_children") is None:
            data["aeeh_children"] = 0
        if data.get("children") is not None and data["aeeh_children"] > data["children"]:
            self.add_error(
                "aeeh_children",
                "Ce nombre ne peut pas dépasser le nombre d'enfants à charge.",
            )
        if data.get("care") == self.CHILDMINDER and not data.get("hourly_wage"):
            self.add_error("hourly_wage", "Indiquez le salaire horaire pour estimer le CMG.")
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="Contenu du fichier", choices=ImportKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label="Fichier CSV ou XLSX",
        help_text="Colonnes décrites plus bas, dans « Format du fichier ».",
        error_messages={"required": "Choisissez un fichier.", "empty": "Le fichier est vide."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError("Le fichier doit être au format CSV ou XLSX.")
        if upload.size > max_bytes():
            raise forms.ValidationError(file_too_large_message(upload.size))
        return upload


class AvailabilityForm(forms.Form):
    """An availability declared by an assistant maternel (recorded by an agent of the RPE)."""

    available_from = PlausibleDateField(
        years_before=1,
        years_after=5,
        label="Disponible à partir du",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    places = forms.IntegerField(
        label="Places disponibles",
        min_value=0,
        max_value=6,
        help_text="0 : plus de place disponible.",
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={"invalid": "Saisissez un nombre entier de places."},
    )
    days = forms.TypedMultipleChoiceField(
        label="Jours",
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un jour."},
    )
    starts_at = forms.TimeField(
        label="À partir de",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": "Saisissez une heure (hh:mm)."},
    )
    ends_at = forms.TimeField(
        label="Jusqu'à",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": "Saisissez une heure (hh:mm)."},
    )
    note = forms.CharField(
        label="Précisions",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, agreement_places: int = 6, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement_places = agreement_places

    def clean(self):
        data = super().clean()
        if data.get("places") is not None and data["places"] > self.agreement_places:
            self.add_error(
                "places",
                f"L'agrément ne compte que {self.agreement_places} place(s).",
            )
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and start >= end:
            self.add_error("ends_at", "L'heure de fin doit suivre l'heure de début.")
        return data


class ChildminderRectifyForm(forms.ModelForm):
    """Rectification of a childminder's record by an agent (right to rectification)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        from maillage.directory.models import Childminder

        model = Childminder
        fields = [
            "first_name",
            "last_name",
            "address",
            "phone",
            "email",
            "contact_consent",
            "agreement_number",
            "agreement_places",
            "agreement_age_min_months",
            "agreement_age_max_months",
            "early_hours",
            "late_hours",
            "night",
            "weekend",
            "inclusion_adapted",
            "is_active",
        ]
        error_messages = {
            "email": {"invalid": "Saisissez une adresse électronique valide."},
            "agreement_places": {"invalid": "Saisissez un nombre entier de places."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif name != "version":
                field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        low, high = data.get("agreement_age_min_months"), data.get("agreement_age_max_months")
        if low is not None and high is not None and low > high:
            self.add_error(
                "agreement_age_max_months", "L'âge maximal doit être supérieur à l'âge minimal."
            )
        return data


ERASURE_REASONS = [
    ("fin d'activité", "Fin d'activité ou d'agrément, à la demande de la personne"),
    ("opposition", "Opposition de la personne à figurer dans l'annuaire (RGPD art. 21)"),
    ("effacement", "Demande d'effacement (RGPD art. 17)"),
]


class ChildminderEraseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label="Motif",
        choices=ERASURE_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de l'effacement."},
    )
    confirm = forms.BooleanField(
        label="Je confirme l'effacement : il est définitif.",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )
