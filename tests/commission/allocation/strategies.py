"""Hypothesis strategies: small random instances, as JSON documents of the format."""

from __future__ import annotations

import random

from hypothesis import strategies as st

DATES = ["2025-01-10", "2025-02-01", "2025-02-01T09:30:00"]
TAGS = ["avip", "employer:E1"]


@st.composite
def instances(
    draw,
    max_children: int = 8,
    max_structures: int = 3,
    families: bool = True,
    reserves: bool = True,
    explicit: bool = True,
    max_groups: int = 2,
):
    groups = ["bebe", "moyen"][: draw(st.integers(1, max_groups))]
    n_structures = draw(st.integers(1, max_structures))
    sids = [f"S{i + 1}" for i in range(n_structures)]
    n_children = draw(st.integers(0, max_children))
    cids = [f"C{i + 1:02d}" for i in range(n_children)]
    structures = []
    for sid in sids:
        capacity = {g: draw(st.integers(0, 3)) for g in groups}
        reserved = []
        if reserves:
            for g in groups:
                if capacity[g] and draw(st.integers(0, 2)) == 0:
                    reserved.append(
                        {
                            "age_group": g,
                            "places": draw(st.integers(1, capacity[g])),
                            "tag": draw(st.sampled_from(TAGS)),
                            "release_if_unused": draw(st.booleans()),
                        }
                    )
        order = None
        if explicit and cids and draw(st.integers(0, 4)) == 0:
            order = draw(st.permutations(cids))
            order = order[: draw(st.integers(0, len(order)))]
        structures.append(
            {"id": sid, "capacity": capacity, "reserved": reserved, "priority_order": order}
        )
    children = []
    for cid in cids:
        wishes = list(draw(st.permutations(sids)))[: draw(st.integers(0, n_structures))]
        child = {
            "id": cid,
            "age_group": draw(st.sampled_from(groups)),
            "points": draw(st.sampled_from([0, 1, 1, 2])),
            "application_date": draw(st.sampled_from(DATES)),
            "wishes": wishes,
        }
        tags = draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=2))
        if tags:
            child["tags"] = tags
        if wishes and draw(st.integers(0, 3)) == 0:
            child["bonus"] = {wishes[-1]: 1}
        children.append(child)
    family_docs = []
    if families and len(cids) >= 2:
        free = list(cids)
        for f in range(draw(st.integers(0, min(2, len(cids) // 2)))):
            members = free[:2] if draw(st.booleans()) else free[-2:]
            free = [c for c in free if c not in members]
            options = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from([*sids, None]), st.sampled_from([*sids, None])
                    ).filter(lambda t: t != (None, None)),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            )
            family = {"id": f"F{f + 1}", "children": members}
            if draw(st.integers(0, 4)):
                family["joint_wishes"] = [list(o) for o in options]
            family_docs.append(family)
            if len(free) < 2:
                break
    return {
        "format": "creche-matching-instance",
        "version": 1,
        "age_groups": groups,
        "structures": structures,
        "children": children,
        "families": family_docs,
    }


def random_instance(seed: int, children: int = 300, structures: int = 12) -> dict:
    """A seeded, medium-sized instance with ties, reserves and joint families (no hypothesis),
    for tests that need more than a handful of children."""
    rnd = random.Random(seed)
    groups = ["bebe", "moyen", "grand"]
    sids = [f"S{i + 1:03d}" for i in range(structures)]
    docs = []
    for sid in sids:
        capacity = {g: rnd.randint(0, 4) for g in groups}
        reserved = []
        group = rnd.choice(groups)
        if capacity[group] and rnd.random() < 0.4:
            reserved.append(
                {
                    "age_group": group,
                    "places": 1,
                    "tag": "avip",
                    "release_if_unused": rnd.random() < 0.5,
                }
            )
        docs.append(
            {"id": sid, "name": f"Crèche {sid}", "capacity": capacity, "reserved": reserved}
        )
    kids = []
    for i in range(children):
        near = rnd.sample(sids, k=min(len(sids), rnd.randint(1, 4)))
        kid = {
            "id": f"C{i + 1:05d}",
            "age_group": rnd.choice(groups),
            "points": rnd.choice([1, 2, 3, 3, 5, 5, 8]),
            "application_date": f"2025-{rnd.randint(1, 6):02d}-{rnd.randint(1, 28):02d}",
            "wishes": near,
        }
        if rnd.random() < 0.1:
            kid["tags"] = ["avip"]
        if rnd.random() < 0.2:
            kid["bonus"] = {near[0]: 2}
        kids.append(kid)
    families = []
    for f in range(children // 20):
        a, b = kids[2 * f]["id"], kids[2 * f + 1]["id"]
        wishes = kids[2 * f]["wishes"]
        options = [[s, s] for s in wishes]
        if len(wishes) > 1 and rnd.random() < 0.5:
            options.insert(1, [wishes[0], wishes[1]])
        if rnd.random() < 0.3:
            options.append([wishes[0], None])
        kids[2 * f + 1].pop("wishes")
        families.append({"id": f"F{f + 1:04d}", "children": [a, b], "joint_wishes": options})
    return {
        "format": "creche-matching-instance",
        "version": 1,
        "name": f"test-{seed}",
        "age_groups": groups,
        "structures": docs,
        "children": kids,
        "families": families,
    }
