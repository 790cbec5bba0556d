"""Users (professionals and families), organisations and memberships."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from maillage.accounts.enums import OrganisationKind, Role, UserKind


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    kind = models.CharField(
        "type de compte", max_length=20, choices=UserKind.choices, default=UserKind.PROFESSIONAL
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    # audit: a personal record (changes stored as field names only)
    AUDIT_SENSITIVE = True

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self):
        return self.get_full_name() or self.email

    def audit_label(self) -> str:
        return self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_family(self) -> bool:
        return self.kind == UserKind.FAMILY

    def active_memberships(self):
        return self.memberships.select_related("organisation").filter(organisation__is_active=True)


class OrganisationQuerySet(models.QuerySet):
    def covering(self, commune):
        return self.filter(communes=commune)

    def active(self):
        return self.filter(is_active=True)


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=100, unique=True)
    kind = models.CharField("nature", max_length=20, choices=OrganisationKind.choices)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name="organisation de rattachement",
        help_text="Par exemple la PMI au sein du Département.",
    )
    communes = models.ManyToManyField(
        "territories.Commune",
        related_name="organisations",
        blank=True,
        verbose_name="territoire couvert",
    )
    territory_groups = models.ManyToManyField(
        "territories.TerritoryGroup",
        related_name="parties",
        blank=True,
        verbose_name="partie pour les groupes de territoires",
        help_text=(
            "Groupes (bassin de vie…) pour lesquels l'organisation est nommée partie : ses agents "
            "y écrivent les données et le diagnostic partagés (par ex. l'EPCI ou la commune "
            "porteuse). Couvrir une commune du groupe ne suffit pas."
        ),
    )
    email = models.EmailField("adresse électronique de contact", blank=True)
    is_active = models.BooleanField("active", default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def covers(self, commune) -> bool:
        return self.communes.filter(pk=commune.pk).exists()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "appartenance"
        verbose_name_plural = "appartenances"
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT)

    @property
    def is_dpo(self) -> bool:
        return self.role == Role.DPO

    @property
    def reads_audit_trail(self) -> bool:
        """Administrators read their organisation's trail, DPOs the trail they answer for."""
        return self.role in (Role.ADMIN, Role.DPO)

    def audit_scope(self) -> tuple[set[int], bool]:
        """(organisation ids, platform entries too?) of the audit trail this member may read.

        Any role: their own organisation only. A DPO: their organisation and its services
        (Département → PMI…); the DPO of a Caf answers for the territory, so also every
        organisation covering one of the Caf's communes, their services, and the entries
        without organisation (system tasks, anonymous open-data downloads).
        """
        organisation = self.organisation
        if not self.is_dpo:
            return {organisation.pk}, False
        ids = {organisation.pk}
        platform = organisation.kind == OrganisationKind.CAF
        if platform:
            ids |= set(
                Organisation.objects.filter(communes__in=organisation.communes.all()).values_list(
                    "pk", flat=True
                )
            )
        frontier = set(ids)
        while frontier:  # services, and their services
            frontier = (
                set(
                    Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                )
                - ids
            )
            ids |= frontier
        return ids, platform


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(
            revoked_at__isnull=True, user__is_active=True, organisation__is_active=True
        )


class ApiToken(models.Model):
    """A key for the JSON API, tied to a user AND the organisation they act for: what a call may
    see is what that person sees for that organisation. Only a hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField("empreinte de la clé", max_length=64, unique=True)
    prefix = models.CharField("début de la clé", max_length=8)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self):
        return f"{self.prefix}… ({self.user} — {self.organisation})"

    @staticmethod
    def hash(key: str) -> str:
        import hashlib

        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, organisation) -> tuple["ApiToken", str]:
        """Create a token; returns it with the clear key (shown once, never stored)."""
        import secrets

        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, organisation=organisation, key_hash=cls.hash(key), prefix=key[:8]
        )
        return token, key

    @property
    def membership(self):
        return (
            Membership.objects.select_related("organisation")
            .filter(user_id=self.user_id, organisation_id=self.organisation_id)
            .first()
        )
