"""Plain data of an allocation instance and of a result (no behaviour beyond look-ups).

The instance is immutable once validated: every method reads it, none changes it, so one
instance can be solved several times (three methods, a benchmark's repeated runs) safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_NAME = "creche-matching-instance"
FORMAT_VERSION = 1
# The published tie-break rule; an instance may only document it, not change it.
TIE_BREAK = ("score_desc", "application_date_asc", "id_asc")

Score = int | float


@dataclass(frozen=True, slots=True)
class Reserve:
    """Places of one age group kept for children carrying `tag`."""

    age_group: str
    places: int
    tag: str
    # False: a hard reserve (places stay empty if too few eligible children);
    # True: a soft reserve (unused places are released to everyone).
    release_if_unused: bool = False
    id: str | None = None

    @property
    def hard(self) -> bool:
        return not self.release_if_unused


@dataclass(frozen=True, slots=True)
class Structure:
    id: str
    capacity: dict[str, int]
    reserves: dict[str, Reserve] = field(default_factory=dict)
    # An explicit ranking replaces the published score rule for this structure.
    priority_order: tuple[str, ...] | None = None
    name: str | None = None
    type: str | None = None
    commune: str | None = None
    location: tuple[float, float] | None = None

    def places(self, age_group: str) -> int:
        return self.capacity.get(age_group, 0)

    def label(self) -> str:
        """How letters name the structure: its name and its id, or the id alone."""
        return f"{self.name} ({self.id})" if self.name else self.id


# Not frozen (unlike the other types): a département has 20,000 children, and a frozen
# dataclass builds each one five times slower. Nothing changes a child once read.
@dataclass(slots=True)
class Child:
    id: str
    age_group: str
    wishes: tuple[str, ...]
    points: Score = 0
    bonus: dict[str, Score] = field(default_factory=dict)
    # Normalised ISO string ("" when unknown); earlier wins a tie.
    application_date: str = ""
    tags: tuple[str, ...] = ()
    family: str | None = None
    # False when the wishes were omitted and projected from the family's joint wishes.
    wishes_given: bool = True
    commune: str | None = None
    location: tuple[float, float] | None = None

    def score(self, structure_id: str) -> Score:
        return self.points + self.bonus.get(structure_id, 0)


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    children: tuple[str, ...]
    # None: the children apply independently. Otherwise the family receives exactly one of
    # these tuples (one structure or None per child, in `children` order) or nothing.
    joint_wishes: tuple[tuple[str | None, ...], ...] | None = None

    @property
    def joint(self) -> bool:
        return self.joint_wishes is not None


@dataclass(frozen=True, slots=True)
class Instance:
    age_groups: tuple[str, ...]
    structures: tuple[Structure, ...]
    children: tuple[Child, ...]
    families: tuple[Family, ...] = ()
    name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # SHA-256 of the canonical JSON of the document this instance was read from.
    input_sha256: str | None = None
    structure_by_id: dict[str, Structure] = field(default_factory=dict, compare=False)
    child_by_id: dict[str, Child] = field(default_factory=dict, compare=False)
    joint_family_of: dict[str, Family] = field(default_factory=dict, compare=False)
    # True when the reader saw that every score (points, bonus) is a whole number, so that
    # the explanations and cutoffs hold integers only (their writer then need not look for
    # the floating-point forms orjson writes otherwise than the standard module).
    whole_scores: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        # Index look-ups once; frozen dataclasses need object.__setattr__ for that.
        if not self.structure_by_id:
            object.__setattr__(self, "structure_by_id", {s.id: s for s in self.structures})
        if not self.child_by_id:
            object.__setattr__(self, "child_by_id", {c.id: c for c in self.children})
        if not self.joint_family_of:
            object.__setattr__(
                self,
                "joint_family_of",
                {cid: f for f in self.families if f.joint for cid in f.children},
            )

    @property
    def joint_families(self) -> tuple[Family, ...]:
        return tuple(f for f in self.families if f.joint)

    def is_independent(self, child_id: str) -> bool:
        return child_id not in self.joint_family_of


Assignment = dict[str, str | None]


@dataclass(slots=True)
class Result:
    """What a method returns: a structure (or None) for every child, and figures about the run."""

    method: str
    assignment: Assignment
    stats: dict[str, Any] = field(default_factory=dict)
