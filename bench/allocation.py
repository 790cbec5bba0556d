"""Benchmark of the allocation engine (not a test): generated commissions at three sizes.

    .venv/bin/python bench/allocation.py --size all
    .venv/bin/python bench/allocation.py --size medium --methods da,siblings,optimal
    .venv/bin/python bench/allocation.py --size all --write-instance bench/out   # for the CLI

Instances are generated from a seed: structures and families around commune centres
(locations in km), wishes drawn among nearby structures with a shared popularity and personal
noise (so wishes are correlated), points from a coarse grid (so ties are frequent and the
application date, then the id, decides), AVIP and employer reserves (hard and soft), and
sibling families with joint options (same structure, split, or one child only).

For each method it prints the children placed, blocking pairs and coalitions (from `check`),
the median time of `solve` over the repetitions and the peak Python memory of one run
(tracemalloc). Then it times whole processes (wall clock and CPU time of a subprocess,
interpreter start included): `python -m maillage.commission.allocation solve` end to end
(read, validate, solve, check, explain, write) for each method, and on the sibling-free,
reserve-free variant `--method da` against a process running the `matching` package's
resident-optimal hospital/resident algorithm on the same file (same result or not).
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from maillage.commission.allocation import check, parse_instance, solve  # noqa: E402

SIZES = {
    "small": {"structures": 8, "children": 150, "communes": 1, "side_km": 6.0, "families": 0.06},
    "medium": {
        "structures": 40,
        "children": 1500,
        "communes": 12,
        "side_km": 30.0,
        "families": 0.10,
    },
    "large": {
        "structures": 600,
        "children": 20000,
        "communes": 250,
        "side_km": 160.0,
        "families": 0.10,
    },
}
AGE_GROUPS = ["bebe", "moyen", "grand"]
GROUP_SHARE = [0.42, 0.33, 0.25]
PLACES_PER_CHILD = 0.55
CANDIDATES = 12


def _grid_points(rng: random.Random) -> int:
    """Points from a coarse published grid (after Toulouse's), hence many ties."""
    activity = rng.choices([5, 5, 3, 2, 1], weights=[45, 10, 25, 8, 12])[0]
    extra = 0
    extra += 3 if rng.random() < 0.05 else 0  # emergency
    extra += 3 if rng.random() < 0.02 else 0  # disability
    extra += 2 if rng.random() < 0.04 else 0  # minor parent
    extra += 1 if rng.random() < 0.30 else 0  # file older than one year
    return activity + extra


def generate(size: str, seed: int = 1) -> dict:
    spec = SIZES[size]
    rng = random.Random(f"{size}:{seed}")
    side = spec["side_km"]
    n_communes = spec["communes"]
    communes = [
        (f"M{i + 1:03d}", rng.uniform(0, side), rng.uniform(0, side)) for i in range(n_communes)
    ]
    commune_weight = [rng.paretovariate(1.5) for _ in communes]
    spread = min(2.0, side / 4)

    n_structures = spec["structures"]
    n_children = spec["children"]
    mean_places = PLACES_PER_CHILD * n_children / n_structures
    structures = []
    employers = []
    for i in range(n_structures):
        commune = (
            communes[i % n_communes]
            if i < n_communes
            else rng.choices(communes, weights=commune_weight)[0]
        )
        sid = f"S{i + 1:04d}"
        kind = rng.choices(
            ["multi-accueil", "micro-crèche", "crèche familiale", "crèche d'entreprise"],
            weights=[70, 15, 10, 5],
        )[0]
        scale = {"micro-crèche": 0.45, "crèche d'entreprise": 0.8}.get(kind, 1.0)
        total = max(1, round(rng.gauss(mean_places * scale, mean_places * 0.25)))
        capacity = {}
        for group, share in zip(AGE_GROUPS, GROUP_SHARE, strict=True):
            places = max(0, round(total * share + rng.uniform(-0.6, 0.6)))
            if places:
                capacity[group] = places
        reserved = []
        if kind == "crèche d'entreprise":
            employer = f"employer:E{len(employers) + 1:03d}"
            employers.append((employer, sid))
            for group, places in capacity.items():
                reserved.append(
                    {
                        "id": f"{sid}-{group}-EMP",
                        "age_group": group,
                        "places": math.ceil(places / 2),
                        "tag": employer,
                        "release_if_unused": rng.random() < 0.5,
                    }
                )
        elif rng.random() < 0.3 and capacity:
            group = "bebe" if capacity.get("bebe", 0) >= 2 else max(capacity, key=capacity.get)
            reserved.append(
                {
                    "id": f"{sid}-AVIP",
                    "age_group": group,
                    "places": 1,
                    "tag": "avip",
                    "release_if_unused": rng.random() < 0.5,
                }
            )
        structures.append(
            {
                "id": sid,
                "name": f"{kind.capitalize()} {i + 1}",
                "type": kind,
                "commune": commune[0],
                "location": [
                    round(commune[1] + rng.gauss(0, spread), 2),
                    round(commune[2] + rng.gauss(0, spread), 2),
                ],
                "capacity": capacity,
                "reserved": reserved,
                "priority_order": None,
            }
        )
    s_xy = np.array([s["location"] for s in structures])
    s_commune = [s["commune"] for s in structures]
    popularity = [rng.gauss(0, 1.0) for _ in structures]
    employer_structure = dict(employers)

    start = date(2024, 9, 1)

    def person(commune):
        x = commune[1] + rng.gauss(0, spread)
        y = commune[2] + rng.gauss(0, spread)
        return round(x, 2), round(y, 2)

    def wishes_near(x: float, y: float, tags: list[str]) -> list[int]:
        distance = np.hypot(s_xy[:, 0] - x, s_xy[:, 1] - y)
        near = np.argsort(distance, kind="stable")[:CANDIDATES]
        utility = []
        for s in near.tolist():
            if structures[s]["type"] == "crèche d'entreprise":
                continue
            noise = -math.log(-math.log(rng.random() or 1e-12))
            utility.append((-(distance[s] / 2.0) + popularity[s] + 1.2 * noise, s))
        utility.sort(reverse=True)
        count = rng.choices([1, 2, 3, 4, 5], weights=[10, 20, 35, 20, 15])[0]
        chosen = [s for _, s in utility[:count]]
        for tag in tags:
            if tag in employer_structure:
                chosen.insert(0, int(employer_structure[tag][1:]) - 1)
        return chosen

    records = []  # (child dict without id, family key or None)
    families = []
    target_in_families = spec["families"] * n_children
    in_families = 0
    while len(records) < n_children:
        commune = rng.choices(communes, weights=commune_weight)[0]
        x, y = person(commune)
        points = _grid_points(rng)
        tags = []
        if rng.random() < 0.07:
            tags.append("avip")
        if employers and rng.random() < 0.03:
            tags.append(rng.choice(employers)[0])
        applied = start + timedelta(days=rng.randrange(550))
        wishes = wishes_near(x, y, tags)
        want_family = in_families < target_in_families and rng.random() < spec["families"] * 1.3
        size_family = 1
        if want_family and n_children - len(records) >= 2:
            size_family = 3 if rng.random() < 0.1 and n_children - len(records) >= 3 else 2
        twins = rng.random() < 0.3
        group0 = rng.choices(AGE_GROUPS, weights=GROUP_SHARE)[0]
        members = []
        for k in range(size_family):
            if k == 0 or twins:
                group = group0
            else:
                group = rng.choice([g for g in AGE_GROUPS if g != group0])
            bonus = {}
            for s in wishes:
                if s_commune[s] == commune[0]:
                    bonus[f"S{s + 1:04d}"] = 2
            if size_family > 1 and rng.random() < 0.05 and wishes:
                bonus[f"S{wishes[0] + 1:04d}"] = bonus.get(f"S{wishes[0] + 1:04d}", 0) + 3
            members.append(
                {
                    "age_group": group,
                    "application_date": (
                        applied
                        if k == 0 or rng.random() < 0.8
                        else applied + timedelta(days=rng.randrange(30))
                    ).isoformat(),
                    "points": points + (1 if size_family > 1 else 0),
                    "bonus": bonus,
                    "tags": tags,
                    "wishes": [f"S{s + 1:04d}" for s in wishes],
                    "commune": commune[0],
                    "location": [x, y],
                }
            )
        if size_family == 1:
            records.append(members[0])
            continue
        in_families += size_family
        fam_index = len(families)
        family = {"members": [], "wishes": [f"S{s + 1:04d}" for s in wishes]}
        for member in members:
            member["_family"] = fam_index
            family["members"].append(len(records))
            records.append(member)
        family["joint"] = rng.random() < 0.9
        family["split"] = rng.random() < 0.5
        family["partial"] = rng.random() < 0.3
        families.append(family)

    children = []
    for i, record in enumerate(records):
        record["id"] = f"C{i + 1:06d}"
    family_docs = []
    for f, family in enumerate(families):
        fid = f"F{f + 1:05d}"
        ids = [records[i]["id"] for i in family["members"]]
        doc = {"id": fid, "children": ids}
        if family["joint"]:
            wishes = family["wishes"]
            size_family = len(ids)
            options = [tuple([s] * size_family) for s in wishes]
            if family["split"] and len(wishes) >= 2:
                a, b = wishes[0], wishes[1]
                split = [tuple([a] + [b] * (size_family - 1)), tuple([b] + [a] * (size_family - 1))]
                options[2:2] = split
            if family["partial"] and wishes:
                options.append(tuple([wishes[0]] + [None] * (size_family - 1)))
            unique = []
            for option in options:
                if option not in unique:
                    unique.append(option)
            doc["joint_wishes"] = [list(o) for o in unique]
            for i in family["members"]:
                if rng.random() < 0.5:
                    records[i]["wishes"] = None
        family_docs.append(doc)
        for i in family["members"]:
            records[i]["family"] = fid
    for record in records:
        record.pop("_family", None)
        child = {k: v for k, v in record.items() if v is not None and v != {} and v != []}
        if record.get("wishes") == []:
            child["wishes"] = []
        children.append(child)
    return {
        "format": "creche-matching-instance",
        "version": 1,
        "name": f"{size}-s{seed}",
        "age_groups": AGE_GROUPS,
        "tie_break": ["score_desc", "application_date_asc", "id_asc"],
        "meta": {"source": f"bench/allocation.py --size {size} --seed {seed}"},
        "structures": structures,
        "children": children,
        "families": family_docs,
    }


def sibling_free(data: dict) -> dict:
    """The variant `matching` can solve: no families, no reserves (reserved places opened)."""
    projected = {}
    for family in data.get("families", []):
        for position, cid in enumerate(family["children"]):
            seen = []
            for option in family.get("joint_wishes") or []:
                if option[position] is not None and option[position] not in seen:
                    seen.append(option[position])
            projected[cid] = seen
    children = []
    for child in data["children"]:
        child = dict(child)
        child.pop("family", None)
        if "wishes" not in child:
            child["wishes"] = projected[child["id"]]
        children.append(child)
    structures = [dict(s, reserved=[]) for s in data["structures"]]
    return dict(
        data,
        name=data["name"] + "-sans-fratries",
        structures=structures,
        children=children,
        families=[],
    )


def solve_with_matching(instance):
    """Resident-optimal hospital/resident with `matching` (hospitals = structure x age group).

    `matching` deep-copies its players, which reference each other through their
    preferences: on a département that recursion is far deeper than Python's default
    limits, so it runs in a thread with a large stack and a raised recursion limit.
    """
    outcome = {}

    def target():
        outcome["assignment"] = _solve_with_matching(instance)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    previous = threading.stack_size(1 << 30)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
        sys.setrecursionlimit(limit)
    return outcome["assignment"]


def _solve_with_matching(instance):
    from matching.games import HospitalResident

    from maillage.commission.allocation.problem import Problem

    problem = Problem(instance, joint=True)
    resident_prefs = {}
    hospital_prefs = {}
    capacities = {}
    for agent in problem.agents:
        prefs = [
            f"{e[1]}"
            for option in agent.options
            if option
            for e in option
            if problem.places[e[1]] > 0
        ]
        if prefs:
            resident_prefs[agent.id] = prefs
    named = {m for prefs in resident_prefs.values() for m in prefs}
    for m in sorted(named, key=int):
        s = int(m) // problem.n_groups
        hospital_prefs[m] = [
            problem.children[c].id
            for c in problem.child_at_rank[s]
            if problem.children[c].id in resident_prefs
            and m in resident_prefs[problem.children[c].id]
        ]
        capacities[m] = problem.places[int(m)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        matching = game.solve(optimal="resident")
    assignment = {c.id: None for c in instance.children}
    for hospital, residents in matching.items():
        structure = problem.structures[int(hospital.name) // problem.n_groups].id
        for resident in residents:
            assignment[resident.name] = structure
    return assignment


def measure(fn, repeat: int):
    """(last result, median wall seconds, median CPU seconds, runs)."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return result, statistics.median(walls), statistics.median(cpus), len(walls)


def peak_memory(fn) -> float:
    """Peak Python allocations of one run, in MiB (tracemalloc; native memory not included)."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def row(label, method, report, wall, cpu, memory, note=""):
    memory = "" if memory is None else f"{memory:.1f}"
    print(
        f"| {label} | {method} | {report.placed} | {len(report.blocking_pairs)} |"
        f" {len(report.blocking_coalitions)} | {wall:.3f} | {cpu:.3f} | {memory} | {note} |"
    )


def bench_size(size: str, args, methods: list[str]) -> None:
    t0 = time.perf_counter()
    data = generate(size, args.seed)
    variant = sibling_free(data)
    generated = time.perf_counter() - t0
    if args.write_instance:
        out = Path(args.write_instance)
        out.mkdir(parents=True, exist_ok=True)
        for doc, suffix in ((data, ""), (variant, "-sans-fratries")):
            (out / f"{size}{suffix}.json").write_text(
                json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8"
            )
    instance = parse_instance(data)
    joint = sum(len(f["children"]) for f in data["families"] if f.get("joint_wishes"))
    places = sum(sum(s["capacity"].values()) for s in data["structures"])
    reserves = sum(len(s["reserved"]) for s in data["structures"])
    print(
        f"\n{size}: {len(data['structures'])} structures, {len(data['children'])} enfants,"
        f" {places} places ({reserves} réserves), {len(data['families'])} familles"
        f" dont {joint} enfants en vœux communs ; généré en {generated:.2f} s\n"
    )
    print(
        "| taille | méthode | placés | paires bloquantes | coalitions bloquantes"
        " | secondes (médiane) | secondes CPU | mémoire max (Mio) | note |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for method in methods:
        if method == "optimal" and size == "large" and not args.optimal_on_large:
            continue

        def run(method=method):
            return solve(instance, method=method, seed=0, time_limit=args.time_limit)

        result, wall, cpu, _ = measure(run, args.repeat)
        report = check(instance, result.assignment)
        memory = None if args.no_memory else peak_memory(run)
        note = ""
        if method == "optimal":
            solver = result.stats["solver"]
            note = f"{solver['status']} : {solver['note']}"
        elif method == "siblings":
            note = (
                f"essais : {result.stats['attempts']}, réparations : {result.stats['repair_steps']}"
            )
        row(size, method, report, wall, cpu, memory, note)

    plain = parse_instance(variant)

    def ours():
        return solve(plain, method="da")

    result, da_wall, da_cpu, _ = measure(ours, args.repeat)
    memory = None if args.no_memory else peak_memory(ours)
    row(
        f"{size} sans fratries ni réserves",
        "da",
        check(plain, result.assignment),
        da_wall,
        da_cpu,
        memory,
    )
    if not args.no_end_to_end:
        end_to_end(size, data, variant, args)


def time_process(argv: list[str], repeat: int) -> tuple[float, float, int]:
    """(median wall seconds, median CPU seconds, exit code) of a whole process: interpreter
    start, imports, reading, computing and writing included. The CPU time (user + system,
    from the kernel) shows what the wall clock owes to a loaded machine."""
    walls, cpus, code = [], [], 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        code = done.returncode
        if code not in (0, 1):
            sys.stderr.write(done.stderr.decode("utf-8", "replace"))
    return statistics.median(walls), statistics.median(cpus), code


ENGINE = [sys.executable, "-m", "maillage.commission.allocation", "solve"]


def end_to_end(size: str, data: dict, variant: dict, args) -> None:
    """Whole processes, as a commission runs them: `python -m maillage.commission.allocation
    solve` (read, validate, solve, check, explain, write) and, on the sibling-free variant,
    `--method da` against a process that reads the same file and runs `matching`."""
    # The engine's bytecode, as an installed package has it (pip compiles on install, `make
    # setup` compiles this checkout): a process must not pay for compiling ~4,500 lines, which
    # it would do each time where the environment forbids writing bytecode.
    compileall.compile_dir(str(ROOT / "maillage" / "commission" / "allocation"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        full, plain = tmp / f"{size}.json", tmp / f"{size}-sans-fratries.json"
        full.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        plain.write_text(json.dumps(variant, ensure_ascii=False), encoding="utf-8")
        print(
            f"\n{size}, processus entiers (médiane de {args.repeat}, lancement de Python"
            " compris) :\n"
        )
        print("| commande | secondes (mur) | secondes CPU | code | sortie (Mo) | note |")
        print("|---|---:|---:|---:|---:|---|")
        methods = ["siblings", "da"]
        if size != "large" or args.optimal_on_large:
            methods.append("optimal")
        for method in methods:
            out = tmp / f"out-{method}.json"
            argv = [*ENGINE, str(full), "-o", str(out), "-q", "--method", method]
            argv += ["--time-limit", str(args.time_limit)]
            wall, cpu, code = time_process(argv, args.repeat)
            document = json.loads(out.read_bytes())
            note = f"{document['stats']['placed']} placés"
            solver = document["stats"]["method"].get("solver")
            if solver:
                note += f" ; {solver['status']}, optimum prouvé : "
                note += (
                    "oui"
                    if solver.get("proven_optimal") or solver["status"] in ("NOT_NEEDED",)
                    else "non"
                )
            print(
                f"| solve {size}.json --method {method} | {wall:.2f} | {cpu:.2f} | {code}"
                f" | {out.stat().st_size / 1e6:.1f} | {note} |"
            )
        da_out, theirs_out = tmp / "da-plain.json", tmp / "matching-plain.json"
        da_wall, da_cpu, code = time_process(
            [*ENGINE, str(plain), "-o", str(da_out), "-q", "--method", "da"], args.repeat
        )
        print(
            f"| solve {size}-sans-fratries.json --method da | {da_wall:.2f} | {da_cpu:.2f}"
            f" | {code} | {da_out.stat().st_size / 1e6:.1f} | |"
        )
        if args.no_matching:
            return
        repeat = 1 if size == "large" else args.repeat
        wall, cpu, code = time_process(
            [sys.executable, __file__, "--run-matching", str(plain), str(theirs_out)], repeat
        )
        ours = json.loads(da_out.read_bytes())["assignment"]
        theirs = json.loads(theirs_out.read_bytes())
        same = "oui" if ours == theirs else "NON"
        note = (
            f"identique à da : {same} ; {wall / da_wall:.0f}× le temps de da (mur),"
            f" {cpu / da_cpu:.0f}× (CPU)" + (" ; mesuré une fois" if repeat == 1 else "")
        )
        print(
            f"| `matching` sur {size}-sans-fratries.json | {wall:.2f} | {cpu:.2f} | {code}"
            f" | | {note} |"
        )


def run_matching(instance_path: str, out_path: str) -> int:
    """One process: read and validate the instance as the engine does, solve with
    `matching`, write the assignment (what `--method da` does, explanations aside)."""
    from maillage.commission.allocation import load_instance

    assignment = solve_with_matching(load_instance(instance_path))
    Path(out_path).write_text(json.dumps(assignment, sort_keys=True), encoding="utf-8")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="all", choices=[*SIZES, "all"])
    parser.add_argument(
        "--methods", default="da,siblings,optimal", help="méthodes, séparées par des virgules"
    )
    parser.add_argument("--seed", type=int, default=1, help="graine du générateur (défaut : 1)")
    parser.add_argument("--repeat", type=int, default=3, help="répétitions, médiane (défaut : 3)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="limite de « optimal »")
    parser.add_argument("--no-matching", action="store_true", help="ne pas lancer `matching`")
    parser.add_argument("--no-memory", action="store_true", help="ne pas mesurer la mémoire")
    parser.add_argument(
        "--optimal-on-large", action="store_true", help="lancer aussi « optimal » sur large"
    )
    parser.add_argument(
        "--write-instance",
        metavar="DIR",
        help="écrire les instances générées (SIZE.json et SIZE-sans-fratries.json)",
    )
    parser.add_argument(
        "--no-end-to-end", action="store_true", help="ne pas chronométrer les processus entiers"
    )
    parser.add_argument(
        "--run-matching", nargs=2, metavar=("INSTANCE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.run_matching:
        return run_matching(*args.run_matching)
    sizes = list(SIZES) if args.size == "all" else [args.size]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    print(
        f"bench/allocation.py : graine {args.seed}, {args.repeat} répétition(s),"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} cœur(s),"
        f" charge moyenne au départ {os.getloadavg()[0]:.1f}"
    )
    for size in sizes:
        bench_size(size, args, methods)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmémoire résidente maximale du processus : {rss:.0f} Mio")
    if args.write_instance:
        print(f"instances écrites dans {args.write_instance}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
