"""A deliberately naive implementation of the specification, for cross-checking the engine.

It works on the raw JSON dictionaries (not the engine's types), re-reads every definition
literally from shared/specs/allocation-format.md and favours obviousness over speed: it is
only used on tiny instances.
"""

from __future__ import annotations

import itertools


def structures(data):
    return {s["id"]: s for s in data["structures"]}


def children(data):
    return {c["id"]: c for c in data["children"]}


def joint_families(data):
    return [f for f in data.get("families", []) if f.get("joint_wishes") is not None]


def projected_wishes(data, child):
    if child.get("wishes") is not None:
        return list(child["wishes"])
    for family in joint_families(data):
        if child["id"] in family["children"]:
            i = family["children"].index(child["id"])
            out = []
            for option in family["joint_wishes"]:
                if option[i] is not None and option[i] not in out:
                    out.append(option[i])
            return out
    return []


def ranking(structure, kids):
    """The structure's strict order over `kids` (best first), unacceptable ones dropped."""
    order = structure.get("priority_order")
    if order is not None:
        return [c for c in order if c in {k["id"] for k in kids}]

    def key(k):
        score = k.get("points", 0) + k.get("bonus", {}).get(structure["id"], 0)
        return (-score, k.get("application_date", "") or "", k["id"])

    return [k["id"] for k in sorted(kids, key=key)]


def reserve_of(structure, group):
    for reserve in structure.get("reserved") or []:
        if reserve["age_group"] == group:
            return reserve
    return None


def choose(data, sid, group, candidate_ids):
    """The spec's choice of age group `group` of structure `sid` from a set of child ids."""
    structure = structures(data)[sid]
    kids = children(data)
    q = structure["capacity"].get(group, 0)
    ranked = ranking(structure, [kids[c] for c in candidate_ids])
    reserve = reserve_of(structure, group)
    if reserve is None:
        return set(ranked[:q])
    r = reserve["places"]
    eligible = [c for c in ranked if reserve["tag"] in kids[c].get("tags", [])][:r]
    if reserve.get("release_if_unused", False):
        general = q - len(eligible)
    else:
        general = q - r
    rest = [c for c in ranked if c not in eligible][:general]
    return set(eligible) | set(rest)


def held(data, assignment, sid, group):
    kids = children(data)
    return {c for c, s in assignment.items() if s == sid and kids[c]["age_group"] == group}


def blocking(data, assignment):
    """(blocking pairs, blocking coalitions) of an assignment, straight from the definitions."""
    kids = children(data)
    in_joint = {c for f in joint_families(data) for c in f["children"]}
    pairs = []
    for child in data["children"]:
        if child["id"] in in_joint:
            continue
        wishes = child["wishes"]
        current = assignment.get(child["id"])
        better = wishes[: wishes.index(current)] if current in wishes else wishes
        for sid in better:
            group = child["age_group"]
            x = held(data, assignment, sid, group) | {child["id"]}
            if child["id"] in choose(data, sid, group, x):
                pairs.append((child["id"], sid))
    coalitions = []
    for family in joint_families(data):
        options = [tuple(o) for o in family["joint_wishes"]]
        got = tuple(assignment.get(c) for c in family["children"])
        better = options[: options.index(got)] if got in options else options
        for option in better:
            ok = True
            for sid in {s for s in option if s is not None}:
                for group in {kids[c]["age_group"] for c in family["children"]}:
                    named = {
                        c
                        for c, s in zip(family["children"], option, strict=True)
                        if s == sid and kids[c]["age_group"] == group
                    }
                    if not named:
                        continue
                    x = (held(data, assignment, sid, group) - set(family["children"])) | named
                    if not named <= choose(data, sid, group, x):
                        ok = False
            if ok:
                coalitions.append((family["id"], option))
    return pairs, coalitions


def feasible(data, assignment):
    kids = children(data)
    st = structures(data)
    in_joint = {c for f in joint_families(data) for c in f["children"]}
    for sid, structure in st.items():
        for group in data["age_groups"]:
            here = held(data, assignment, sid, group)
            q = structure["capacity"].get(group, 0)
            if len(here) > q:
                return False
            reserve = reserve_of(structure, group)
            if reserve is not None and not reserve.get("release_if_unused", False):
                others = [c for c in here if reserve["tag"] not in kids[c].get("tags", [])]
                if len(others) > q - reserve["places"]:
                    return False
    for cid, sid in assignment.items():
        if sid is None:
            continue
        structure = st[sid]
        if cid not in in_joint and sid not in kids[cid]["wishes"]:
            return False
        order = structure.get("priority_order")
        if order is not None and cid not in order:
            return False
    for family in joint_families(data):
        got = tuple(assignment.get(c) for c in family["children"])
        if any(got) and got not in [tuple(o) for o in family["joint_wishes"]]:
            return False
    return True


def all_assignments(data):
    """Every assignment where each agent gets one of its options or nothing."""
    in_joint = {c for f in joint_families(data) for c in f["children"]}
    agents = []
    for child in data["children"]:
        if child["id"] not in in_joint:
            agents.append([((child["id"], s),) for s in child["wishes"]] + [()])
    for family in joint_families(data):
        options = []
        for option in family["joint_wishes"]:
            options.append(
                tuple((c, s) for c, s in zip(family["children"], option, strict=True) if s)
            )
        agents.append(options + [()])
    for combo in itertools.product(*agents):
        assignment = {c["id"]: None for c in data["children"]}
        for part in combo:
            for cid, sid in part:
                assignment[cid] = sid
        yield assignment


def stable_assignments(data):
    for assignment in all_assignments(data):
        if feasible(data, assignment):
            pairs, coalitions = blocking(data, assignment)
            if not pairs and not coalitions:
                yield assignment
