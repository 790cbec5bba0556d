"""The family's status page: the points section of the commission panel (see family.py).

Her points under the grid in force today, line by line (every criterion of the grid, with what
she gets for it), and for each of her wishes the per-structure bonus and her score there. Five
queries: the grid, its lines, the application with what the points read, the sessions passed."""

from maillage.applications.enums import OPEN_STATES, State
from maillage.applications.models import Application
from maillage.commission.enums import PER_STRUCTURE_CRITERIA, PER_UNIT_CRITERIA, Criterion
from maillage.commission.grids import grid_in_force, sessions_passed, today
from maillage.commission.points import compute_points, load_for_points

SHOWN_STATES = [state for state in OPEN_STATES if state != State.DRAFT]


def panel(application) -> dict:
    """Context of `commission/_family_points.html`; an empty dict hides the section."""
    if application.state not in SHOWN_STATES:
        return {}
    grid = grid_in_force(application.territory)
    if grid is None:
        return {}
    rows = list(grid.criteria.all())
    loaded = load_for_points(Application.objects.filter(pk=application.pk)).get()
    on = today()
    points = compute_points(loaded, rows, on, sessions_passed=sessions_passed(application))
    got = {line.criterion: line for line in points.lines}
    lines = []
    for row in rows:
        if row.criterion in PER_STRUCTURE_CRITERIA:
            continue
        line = got.get(row.criterion)
        lines.append(
            {
                "label": Criterion(row.criterion).label,
                "reason": row.reason,
                "grid_points": row.points,
                "cap": row.cap,
                "per_unit": row.criterion in PER_UNIT_CRITERIA,
                "units": line.units if line else 0,
                "points": line.points if line else 0,
                "applies": line is not None,
            }
        )
    bonus_rows = [row for row in rows if row.criterion in PER_STRUCTURE_CRITERIA]
    wishes = []
    for wish in loaded.wishes.all():
        bonus = points.bonus.get(wish.structure_id, [])
        wishes.append(
            {
                "rank": wish.rank,
                "structure": wish.structure.name,
                "bonus": [{"label": line.label, "points": line.points} for line in bonus],
                "bonus_total": points.bonus_total(wish.structure_id),
                "score": points.at(wish.structure_id),
            }
        )
    return {
        "grid": grid,
        "on": on,
        "total": points.total,
        "lines": lines,
        "bonus_criteria": [
            {"label": Criterion(row.criterion).label, "points": row.points, "reason": row.reason}
            for row in bonus_rows
        ],
        "wishes": wishes,
        "territory_slug": application.territory.slug,
    }
