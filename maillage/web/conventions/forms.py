import datetime

from django import forms
from django.core.validators import MaxLengthValidator

from maillage.conventions.enums import ActionStatus, ConventionKind
from maillage.web.fields import PlausibleDateField

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
                continue
            else:
                widget.attrs.setdefault("class", "form-control")


class VersionMixin(forms.Form):
    """The version of the record the form was shown (compare-and-set on save)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def with_version(self, version: int) -> None:
        """After a conflict: keep what was typed, carry the version now stored, so that the
        next save (after checking) is compared with it."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


class PlanFilterForm(BootstrapMixin, forms.Form):
    axe = forms.ChoiceField(label="Axe", required=False)
    etat = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous")] + list(ActionStatus.choices)
    )
    pilote = forms.ChoiceField(label="Pilote", required=False)
    commune = forms.ChoiceField(label="Commune", required=False)

    def __init__(self, *args, convention, axes=None, parties=None, **kwargs):
        """`axes` and `parties` (with their organisations): when the page has them loaded."""
        super().__init__(*args, **kwargs)
        if axes is None:
            axes = convention.axes.all()
        if parties is None:
            parties = convention.parties.select_related("organisation")
        self.fields["axe"].choices = [("", "Tous")] + [
            (a.code, f"Axe {a.code} — {a.title[:60]}") for a in axes
        ]
        self.fields["pilote"].choices = [("", "Tous")] + [
            (p.organisation.slug, p.organisation.name) for p in parties
        ]
        self.fields["commune"].choices = [("", "Toutes")] + [
            (c.insee_code, c.name) for c in convention.territory.communes.order_by("name")
        ]


class ActionProgressForm(BootstrapMixin, VersionMixin, forms.Form):
    status = forms.ChoiceField(label="État", choices=ActionStatus.choices)
    progress = forms.IntegerField(
        label="Avancement (%)",
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": "Saisissez un nombre entier entre 0 et 100.",
            "min_value": "L'avancement ne peut pas être négatif.",
            "max_value": "L'avancement ne peut pas dépasser 100 %%.",
            "required": "Indiquez l'avancement, de 0 à 100 %.",
        },
    )


class MeasurementForm(BootstrapMixin, forms.Form):
    value = forms.DecimalField(
        label="Valeur",
        max_digits=14,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": "Saisissez un nombre (par exemple 12 ou 12,5).",
            "required": "Saisissez la valeur mesurée.",
        },
    )
    on = PlausibleDateField(
        years_after=0,
        label="Date de la mesure",
        widget=DATE_WIDGET,
        error_messages={
            "invalid": "Saisissez une date valide (jj/mm/aaaa).",
            "required": "Indiquez la date de la mesure.",
        },
    )
    source = forms.CharField(label="Source", max_length=300, required=False)
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > datetime.date.today():
            raise forms.ValidationError("La date de la mesure ne peut pas être dans le futur.")
        return on


class TransitionForm(BootstrapMixin, forms.Form):
    transition = forms.ChoiceField(label="Changement d'état")
    on = PlausibleDateField(label="Date d'effet", widget=DATE_WIDGET)
    reason = forms.CharField(
        label="Motif (obligatoire pour une résiliation)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = convention.available_transitions()


class ReportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Rapport",
        choices=[("annual", "Bilan annuel"), ("final", "Évaluation de fin de convention")],
    )
    year = forms.TypedChoiceField(label="Année (bilan annuel)", coerce=int, required=False)

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in convention.years]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "annual" and not data.get("year"):
            self.add_error("year", "Choisissez l'année du bilan.")
        return data


class ConclusionsForm(BootstrapMixin, VersionMixin, forms.Form):
    conclusions = forms.CharField(
        label="Conclusions",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class MeetingForm(BootstrapMixin, forms.Form):
    body = forms.ChoiceField(label="Instance")
    date = PlausibleDateField(
        label="Date",
        widget=DATE_WIDGET,
        error_messages={"invalid": "Saisissez une date valide.", "required": "Indiquez la date."},
    )
    agenda = forms.CharField(
        label="Ordre du jour",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attendees = forms.MultipleChoiceField(
        label="Organisations présentes", required=False, widget=forms.CheckboxSelectMultiple
    )
    attendance_note = forms.CharField(
        label="Participants (détail)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minutes = forms.CharField(
        label="Compte rendu",
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decisions = forms.CharField(
        label="Décisions (une par ligne ; citez les actions : « cf 1.2.1 »)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b.code, b.name) for b in convention.bodies.all()]
        self.fields["attendees"].choices = [
            (str(p.organisation_id), p.organisation.name)
            for p in convention.parties.select_related("organisation")
        ]


class AmendmentForm(BootstrapMixin, VersionMixin, forms.Form):
    title = forms.CharField(label="Objet de l'avenant", max_length=300)
    signed_on = PlausibleDateField(label="Signé le", widget=DATE_WIDGET, required=False)
    duration_years = forms.IntegerField(
        label="Nouvelle durée (années, de 1 à 5)",
        required=False,
        min_value=1,
        max_value=5,
        error_messages={
            "min_value": "La durée va de 1 à 5 ans.",
            "max_value": "La durée va de 1 à 5 ans.",
            "invalid": "Saisissez un nombre entier d'années.",
        },
    )
    clause_number = forms.CharField(
        label="Article modifié ou ajouté (numéro, ex. « ARTICLE 10 »)",
        max_length=40,
        required=False,
    )
    clause_title = forms.CharField(label="Titre de l'article", max_length=300, required=False)
    refresh_equipment = forms.BooleanField(
        label="Mettre à jour l'annexe des équipements à partir de l'annuaire",
        required=False,
        help_text="L'annexe est une copie prise à la signature ; l'avenant en prend une nouvelle.",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    clause_text = forms.CharField(
        label="Nouveau texte de l'article",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean(self):
        data = super().clean()
        if data.get("clause_text") and not data.get("clause_number"):
            self.add_error("clause_number", "Indiquez le numéro de l'article modifié ou ajouté.")
        if data.get("clause_number") and not data.get("clause_text"):
            self.add_error("clause_text", "Saisissez le nouveau texte de l'article.")
        return data


class BonusForm(BootstrapMixin, VersionMixin, forms.Form):
    reference_amount = forms.DecimalField(
        label="Montant CEJ N-1 (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un montant en euros (ex. 12500,00)."},
    )
    rule = forms.ChoiceField(label="Règle de répartition")

    def __init__(self, *args, **kwargs):
        from maillage.conventions.enums import BonusRule

        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = BonusRule.choices


class LinesField(forms.CharField):
    """A list of texts edited as one text per line."""

    widget = forms.Textarea(attrs={"rows": 4})
    default_error_messages = {
        "max_length": "Ce texte compte %(show_value)d caractères ; %(limit_value)d au plus "
        "sont acceptés.",
    }

    def __init__(self, *, max_length: int = 10000, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        # The limit applies to the text as typed (checked in to_python), not to the list of lines.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if len(text) > self.max_length:
            raise forms.ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={"limit_value": self.max_length, "show_value": len(text)},
            )
        return [line.strip() for line in text.splitlines() if line.strip()]


LINES_HELP = "Un élément par ligne. « cf 1.2.2 » crée un lien vers la fiche 1.2.2."


class ActionEditForm(BootstrapMixin, VersionMixin, forms.Form):
    title = forms.CharField(label="Intitulé", max_length=400)
    deadline = PlausibleDateField(
        years_after=15,
        label="Échéance",
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    deadline_label = forms.CharField(
        label="Échéance (libellé)", max_length=100, required=False, help_text="Ex. « Fin 2024 »."
    )
    diagnosis = LinesField(label="Diagnostic initial", required=False, help_text=LINES_HELP)
    target_public = LinesField(label="Public cible", required=False, help_text=LINES_HELP)
    operational_objectives = LinesField(
        label="Objectifs opérationnels", required=False, help_text=LINES_HELP
    )
    implementation = LinesField(
        label="Modalités de mise en œuvre", required=False, help_text=LINES_HELP
    )
    services = LinesField(
        label="Services mobilisés et responsables", required=False, help_text=LINES_HELP
    )
    partners = LinesField(label="Partenaires sollicités", required=False, help_text=LINES_HELP)
    expected_results = LinesField(label="Résultats attendus", required=False, help_text=LINES_HELP)


class IndicatorDefinitionForm(BootstrapMixin, VersionMixin, forms.Form):
    label = forms.CharField(label="Libellé", max_length=400)
    unit = forms.CharField(label="Unité", max_length=60, required=False)
    baseline = forms.DecimalField(
        label="Valeur de départ",
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un nombre (par exemple 12 ou 12,5)."},
    )
    target = forms.DecimalField(
        label="Cible",
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un nombre (par exemple 12 ou 12,5)."},
    )
    source = forms.CharField(label="Source", max_length=300, required=False)


class NewIndicatorForm(IndicatorDefinitionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        for field in self.fields.values():
            field.required = False
        self.fields["label"].label = "Nouvel indicateur (libellé)"


class MeansForm(BootstrapMixin, forms.Form):
    organisation = forms.ChoiceField(label="Partenaire")
    kind = forms.ChoiceField(label="Objet")
    label = forms.CharField(label="Équipement ou action", max_length=300)
    year = forms.TypedChoiceField(label="Année", coerce=int)
    amount = forms.DecimalField(
        label="Montant (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": "Saisissez un montant en euros (ex. 12500,00).",
            "min_value": "Le montant ne peut pas être négatif.",
            "required": "Indiquez le montant.",
        },
    )
    nature = forms.ChoiceField(label="Nature du financement")

    def __init__(self, *args, convention, organisations, **kwargs):
        from maillage.conventions.enums import FundingNature, MeansKind

        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(str(o.pk), o.name) for o in organisations]
        self.fields["kind"].choices = MeansKind.choices
        self.fields["nature"].choices = FundingNature.choices
        self.fields["year"].choices = [(y, y) for y in convention.years]


class CooperationForm(BootstrapMixin, forms.Form):
    organisation = forms.ChoiceField(label="Organisation employeuse")
    person = forms.CharField(label="Personne", max_length=200)
    year = forms.TypedChoiceField(label="Année", coerce=int)
    fte = forms.DecimalField(
        label="ETP",
        min_value=0,
        max_value=5,
        max_digits=4,
        decimal_places=2,
        localize=True,
        error_messages={
            "invalid": "Saisissez un nombre d'ETP (ex. 0,8).",
            "min_value": "Le nombre d'ETP ne peut pas être négatif.",
            "max_value": "Au plus 5 ETP par ligne.",
        },
    )
    caf_amount = forms.DecimalField(
        label="Financement Caf (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un montant en euros (ex. 12500,00)."},
    )
    local_amount = forms.DecimalField(
        label="Financement collectivité (€)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        error_messages={"invalid": "Saisissez un montant en euros (ex. 12500,00)."},
    )

    def __init__(self, *args, convention, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(str(o.pk), o.name) for o in organisations]
        self.fields["year"].choices = [(y, y) for y in convention.years]


class ConventionCreateForm(BootstrapMixin, forms.Form):
    """A new convention (a draft): title, nature, territory, period and parties. The acting
    organisation is always a signatory party; the other pages fill in the rest."""

    title = forms.CharField(
        label="Intitulé",
        max_length=300,
        error_messages={"required": "Indiquez l'intitulé de la convention."},
    )
    kind = forms.ChoiceField(label="Nature", choices=ConventionKind.choices)
    territory = forms.ChoiceField(
        label="Territoire",
        error_messages={"invalid_choice": "Choisissez un territoire de la liste."},
    )
    start_date = PlausibleDateField(
        years_before=10,
        years_after=5,
        label="Début",
        widget=DATE_WIDGET,
        help_text="Premier jour de la convention, par exemple le 1er janvier.",
        error_messages={"required": "Indiquez la date de début."},
    )
    duration_years = forms.IntegerField(
        label="Durée (années, de 1 à 5)",
        min_value=1,
        max_value=5,
        initial=4,
        error_messages={
            "invalid": "Saisissez un nombre entier d'années, de 1 à 5.",
            "min_value": "La durée d'une convention va de 1 à 5 ans.",
            "max_value": "La durée d'une convention va de 1 à 5 ans.",
            "required": "Indiquez la durée, de 1 à 5 ans.",
        },
    )
    signatories = forms.MultipleChoiceField(
        label="Autres parties signataires",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    associated = forms.MultipleChoiceField(
        label="Partenaires associés (non signataires)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, territories, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.territories = {str(t.pk): t for t in territories}
        self.organisations = {str(o.pk): o for o in organisations}
        self.fields["territory"].choices = [("", "Choisissez…")] + [
            (pk, t.name) for pk, t in self.territories.items()
        ]
        choices = [(pk, o.name) for pk, o in self.organisations.items()]
        self.fields["signatories"].choices = choices
        self.fields["associated"].choices = choices
        if len(self.territories) == 1:
            self.fields["territory"].initial = next(iter(self.territories))

    def clean(self):
        data = super().clean()
        both = set(data.get("signatories") or []) & set(data.get("associated") or [])
        if both:
            names = ", ".join(sorted(self.organisations[pk].name for pk in both))
            self.add_error(
                "associated",
                f"Une organisation est signataire ou partenaire associé, pas les deux : {names}.",
            )
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "territory": self.territories[data["territory"]],
            "start_date": data["start_date"],
            "duration_years": data["duration_years"],
            "signatories": [self.organisations[pk] for pk in data["signatories"]],
            "associated": [self.organisations[pk] for pk in data["associated"]],
        }


class AdoptReportForm(BootstrapMixin, forms.Form):
    on = PlausibleDateField(
        years_after=0,
        label="Adopté le (date du comité de pilotage)",
        widget=DATE_WIDGET,
        error_messages={"required": "Indiquez la date d'adoption."},
    )
    confirm = forms.BooleanField(
        label="Je confirme l'adoption : le rapport ne sera plus modifié",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": "Cochez la confirmation pour adopter le rapport."},
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > datetime.date.today():
            raise forms.ValidationError("La date d'adoption ne peut pas être dans le futur.")
        return on


class AxisAddForm(BootstrapMixin, forms.Form):
    """A new axis of the action plan (numbered after the last one)."""

    prefix = "axe"
    title = forms.CharField(
        label="Intitulé de l'axe",
        max_length=300,
        error_messages={"required": "Indiquez l'intitulé de l'axe."},
    )
    description = forms.CharField(
        label="Description (diagnostic)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionAddForm(BootstrapMixin, forms.Form):
    """A new fiche action under an axis; its other texts are written on its edit page."""

    prefix = "fiche"
    axis = forms.ChoiceField(
        label="Axe de la fiche",
        error_messages={
            "required": "Choisissez l'axe de la fiche.",
            "invalid_choice": "Choisissez un axe de la liste.",
        },
    )
    title = forms.CharField(
        label="Intitulé de la fiche",
        max_length=400,
        error_messages={"required": "Indiquez l'intitulé de la fiche action."},
    )
    code = forms.CharField(
        label="Numéro",
        max_length=12,
        required=False,
        help_text="Laissez vide pour le numéro suivant de l'axe (ex. 2.1.3).",
    )
    lead = forms.ChoiceField(
        label="Pilote de la fiche",
        error_messages={
            "required": "Choisissez le pilote.",
            "invalid_choice": "Choisissez un pilote de la liste.",
        },
    )
    objective = forms.CharField(
        label="Objectif opérationnel",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Un objectif par ligne.",
    )
    deadline = PlausibleDateField(
        years_after=15,
        label="Échéance",
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    deadline_label = forms.CharField(
        label="Échéance (libellé)", max_length=100, required=False, help_text="Ex. « Fin 2027 »."
    )

    def __init__(self, *args, axes, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.axes = {str(a.pk): a for a in axes}
        self.leads = {str(o.pk): o for o in leads}
        self.fields["axis"].choices = [("", "Choisissez…")] + [
            (pk, f"Axe {a.code} — {a.title}") for pk, a in self.axes.items()
        ]
        self.fields["lead"].choices = [(pk, o.name) for pk, o in self.leads.items()]
        if len(self.leads) > 1:
            self.fields["lead"].choices.insert(0, ("", "Choisissez…"))

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "axis": self.axes[data["axis"]],
            "lead": self.leads[data["lead"]],
            **{k: data[k] for k in ("title", "code", "objective", "deadline", "deadline_label")},
        }
