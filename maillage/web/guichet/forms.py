"""Forms of the guichet unique: the family's account, household and application (reused by the
agents' counter registration), documents, and the agents' queue filters."""

import datetime

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from maillage.applications.enums import DocumentKind, State
from maillage.web.conventions.forms import DATE_WIDGET, BootstrapMixin
from maillage.web.fields import PlausibleDateField

YES_NO = [(False, "Non"), (True, "Oui")]


class SignupForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Pour vous connecter et recevoir l'accusé de réception et les rappels.",
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères.",
    )
    password_again = forms.CharField(
        label="Mot de passe (confirmation)",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password and password != data.get("password_again"):
            self.add_error("password_again", "Les deux mots de passe ne sont pas identiques.")
        elif password:
            if len(password) < 12:
                self.add_error("password", "Le mot de passe doit avoir au moins 12 caractères.")
            else:
                try:
                    validate_password(password)
                except ValidationError as exc:
                    self.add_error("password", exc)
        return data


class HouseholdForm(BootstrapMixin, forms.Form):
    """The household, as the guichet needs it (no social-security number, no diagnosis)."""

    parent_first_name = forms.CharField(label="Votre prénom", max_length=100)
    parent_last_name = forms.CharField(label="Votre nom", max_length=100)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    commune = forms.ModelChoiceField(
        label="Commune où vit l'enfant", queryset=None, empty_label="Choisissez"
    )
    parents_working = forms.TypedChoiceField(
        label="Parents qui travaillent, étudient ou sont en formation",
        choices=[(0, "Aucun"), (1, "Un parent"), (2, "Les deux parents")],
        coerce=int,
    )
    job_seeking = forms.BooleanField(label="Un parent cherche un emploi", required=False)
    integration_pathway = forms.BooleanField(
        label="Un parent perçoit le RSA ou suit un parcours d'insertion", required=False
    )
    single_parent = forms.BooleanField(label="Vous élevez seul·e votre enfant", required=False)
    other_children = forms.IntegerField(
        label="Autres enfants à charge", min_value=0, max_value=15, initial=0
    )
    family_quotient = forms.IntegerField(
        label="Quotient familial (facultatif, en euros)",
        min_value=0,
        required=False,
        help_text="Sur votre attestation de la Caf ou de la MSA. Laissez vide si vous ne le "
        "connaissez pas.",
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = territory.communes.order_by("name")
        self.fields["commune"].label_from_instance = lambda commune: commune.name


class ApplicationForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    first_name = forms.CharField(label="Prénom de l'enfant", max_length=100,
                                 help_text="Mettez « Bébé » si l'enfant n'est pas né.")  # fmt: skip
    last_name = forms.CharField(label="Nom de l'enfant", max_length=100)
    born = forms.TypedChoiceField(
        label="L'enfant est-il né ?",
        choices=[("1", "Oui"), ("0", "Pas encore")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    birth_date = PlausibleDateField(
        label="Date de naissance",
        required=False,
        widget=DATE_WIDGET,
        years_before=18,
        years_after=0,
    )
    expected_date = PlausibleDateField(
        label="Date prévue de naissance",
        required=False,
        widget=DATE_WIDGET,
        years_before=0,
        years_after=1,
    )
    disability = forms.BooleanField(
        label="Enfant en situation de handicap ou avec une maladie chronique (AEEH, PAI)",
        required=False,
        help_text="Pour préparer l'accueil. Ne donnez pas la nature de la maladie ou du handicap.",
    )
    desired_start = PlausibleDateField(
        label="Date d'entrée souhaitée", widget=DATE_WIDGET, years_before=1, years_after=3
    )
    days_per_week = forms.TypedChoiceField(
        label="Jours par semaine", choices=[(i, str(i)) for i in range(1, 6)], coerce=int,
        initial=5,
    )  # fmt: skip
    daily_hours = forms.DecimalField(
        label="Heures par jour (environ)", min_value=1, max_value=14, decimal_places=1,
        required=False,
    )  # fmt: skip
    atypical_hours = forms.BooleanField(
        label="Besoin d'horaires atypiques (tôt le matin, tard le soir, week-end)",
        required=False,
    )
    radius_km = forms.IntegerField(
        label="J'accepte aussi toute crèche à moins de … km (facultatif)",
        min_value=1, max_value=50, required=False,
    )  # fmt: skip
    accepts_childminder = forms.BooleanField(
        label="J'accepterais aussi un ou une assistante maternelle, ou une MAM", required=False
    )
    siblings_together = forms.BooleanField(
        label="Jumeaux ou frères et sœurs : seulement s'ils sont accueillis ensemble",
        required=False,
    )

    work_place = forms.CharField(
        label="Près de votre travail (facultatif)",
        max_length=100,
        required=False,
        help_text="Commune ou code postal de votre lieu de travail. Les structures proches de "
        "chez vous ou de votre travail sont proposées en premier. Ce lieu n'est pas enregistré.",
    )

    def __init__(self, *args, candidates, max_wishes, work_error="", **kwargs):
        """`candidates`: the participating structures as `services.wish_candidates` orders
        them (nearest to home or to work first, with their distances)."""
        super().__init__(*args, **kwargs)
        self.max_wishes = max_wishes
        self.work_error = work_error
        self.refreshed = False
        self.near_work = sorted(
            (c for c in candidates if c.work_km is not None),
            key=lambda c: (c.work_km, c.structure.name),
        )
        labels = [(c.structure.pk, c.label) for c in candidates]
        self.structures = {c.structure.pk: c.structure for c in candidates}
        for rank in range(1, max_wishes + 1):
            self.fields[f"wish_{rank}"] = forms.TypedChoiceField(
                label=f"Choix n° {rank}" + (" (le plus souhaité)" if rank == 1 else ""),
                choices=[("", "—")] + labels,
                coerce=int,
                required=rank == 1,
                empty_value=None,
                # added after BootstrapMixin's pass: styled here (full width on a phone)
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def wish_fields(self):
        return [self[f"wish_{rank}"] for rank in range(1, self.max_wishes + 1)]

    def clean(self):
        data = super().clean()
        born = data.get("born")
        if born is True and not data.get("birth_date"):
            self.add_error("birth_date", "Indiquez la date de naissance.")
        if born is False and not data.get("expected_date"):
            self.add_error("expected_date", "Indiquez la date prévue de naissance.")
        today = datetime.date.today()
        if born and data.get("birth_date") and data["birth_date"] > today:
            self.add_error("birth_date", "La date de naissance est dans le futur.")
        if born is False and data.get("expected_date") and data["expected_date"] < today:
            self.add_error("expected_date", "La date prévue est passée : l'enfant est-il né ?")
        chosen = [data.get(f"wish_{r}") for r in range(1, self.max_wishes + 1)]
        chosen = [c for c in chosen if c]
        if len(set(chosen)) != len(chosen):
            self.add_error(None, "Vous avez choisi deux fois la même structure.")
        data["structures"] = [self.structures[c] for c in chosen]
        return data

    def child_values(self) -> dict:
        d = self.cleaned_data
        return {
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            "birth_date": d["birth_date"] if d["born"] else None,
            "expected_date": None if d["born"] else d["expected_date"],
            "disability": d["disability"],
        }

    @staticmethod
    def initial_from(application) -> dict:
        child = application.child
        initial = {
            "version": application.version,
            "first_name": child.first_name,
            "last_name": child.last_name,
            "born": "1" if child.is_born else "0",
            "birth_date": child.birth_date,
            "expected_date": child.expected_date,
            "disability": child.disability,
            **{
                name: getattr(application, name)
                for name in (
                    "desired_start", "days_per_week", "daily_hours", "atypical_hours",
                    "radius_km", "accepts_childminder", "siblings_together",
                )
            },
        }  # fmt: skip
        for wish in application.wishes.all():
            initial[f"wish_{wish.rank}"] = wish.structure_id
        return initial


class CounterContactForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique de la famille",
        required=False,
        help_text="Facultative. La famille y reçoit l'accusé de réception et un lien personnel, "
        "valable une seule fois, pour suivre sa demande en ligne avec son compte.",
    )


class DocumentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label="Pièce", choices=DocumentKind.choices)
    file = forms.FileField(
        label="Fichier (PDF, JPEG ou PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class BirthForm(BootstrapMixin, forms.Form):
    birth_date = PlausibleDateField(
        label="Date de naissance", widget=DATE_WIDGET, years_before=18, years_after=0
    )


class FastSelect(forms.Select):
    """A select rendered in Python: Django renders each option through a template, which costs
    most of the queue page with hundreds of structures."""

    # flat (value, label) pairs, kept as given: normalising 600 pairs (field and widget) costs
    # ~10 ms a page
    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = list(value)

    def render(self, name, value, attrs=None, renderer=None):
        from django.forms.utils import flatatt
        from django.utils.html import escape
        from django.utils.safestring import mark_safe

        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        values = value if isinstance(value, list | tuple) else [value]
        chosen = {str(v) for v in values if v not in (None, "")}
        # escape() once per value and label, one join: format_html per option costs ~60 ms
        # for 600 structures
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")


class PairChoiceField(forms.ChoiceField):
    """A choice among flat (value, label) pairs, with `FastSelect`: the pairs are kept as given."""

    widget = FastSelect

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = self.widget.choices = list(value)


class QueueFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label="Nom ou numéro", required=False, max_length=100)
    state = forms.ChoiceField(label="État", required=False)
    commune = PairChoiceField(label="Commune de résidence", required=False)
    structure = PairChoiceField(label="Structure souhaitée", required=False)
    start_month = forms.CharField(
        label="Mois d'entrée souhaité",
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    missing = forms.BooleanField(label="Pièces manquantes", required=False)
    sort = forms.ChoiceField(
        label="Trier par",
        required=False,
        choices=[
            ("registered_on", "Ancienneté"),
            ("-submitted_at", "Dépôt le plus récent"),
            ("desired_start", "Date d'entrée souhaitée"),
            ("number", "Numéro"),
        ],
    )

    def __init__(self, *args, communes, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Tous (sauf brouillons)")] + [
            c for c in State.choices if c[0] != State.DRAFT
        ]
        # (value, label) pairs
        self.fields["commune"].choices = [("", "Toutes"), *communes]
        self.fields["structure"].choices = [("", "Toutes"), *structures]


class WaitingListImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier de la liste d'attente (CSV ou XLSX)",
        help_text="CSV UTF-8 ou Windows-1252, séparateur point-virgule ou virgule, ou classeur "
        "XLSX (première feuille). Les colonnes attendues sont décrites sous ce formulaire.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv", "class": "form-control"}
        ),
    )

    def clean_file(self):
        from maillage.core.imports import file_too_large_message, max_bytes

        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(file_too_large_message(upload.size))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError("Choisissez un fichier .csv ou .xlsx.")
        return upload
