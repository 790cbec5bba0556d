"""The published priority rule, in one place.

A structure ranks its applicants by higher score (points + bonus at this structure), then
earlier application date, then smaller id, which gives a strict order. An explicit
`priority_order` replaces that rule for its structure, and the children it does not list are
unacceptable there. Every method, the check and the explanations read ranks from here, so
the rule cannot drift between them.
"""

from __future__ import annotations

from maillage.commission.allocation.model import Child, Instance, Structure

# A priority key: smaller is better. Either (-score, application_date, id) under the
# published rule, or (position,) under an explicit priority_order. Keys of one structure
# always have the same shape, so they compare.
Key = tuple


class Priorities:
    """Priority keys of children at structures, with the explicit orders indexed once."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self._positions: dict[str, dict[str, int]] = {
            s.id: {cid: i for i, cid in enumerate(s.priority_order)}
            for s in instance.structures
            if s.priority_order is not None
        }

    def key(self, structure: Structure, child: Child) -> Key | None:
        """The child's key at the structure, or None when the structure does not accept it."""
        positions = self._positions.get(structure.id)
        if positions is not None:
            position = positions.get(child.id)
            return None if position is None else (position,)
        return (-child.score(structure.id), child.application_date, child.id)

    def explicit(self, structure: Structure) -> bool:
        return structure.id in self._positions


def eligible(structure: Structure, age_group: str, child: Child) -> bool:
    """Whether the child may take the reserved places of this structure's age group."""
    reserve = structure.reserves.get(age_group)
    return reserve is not None and reserve.tag in child.tags
