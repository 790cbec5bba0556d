"""Server-side SVG charts and maps (no JavaScript, no chart library), for the pages and the PDF.

Pure Python (no Django): every function returns an accessible SVG string (role="img", a title
and a description). Text is escaped here; callers mark the result safe.
"""

import math
from html import escape

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
MODE_COLORS = {
    "eaje": "#1b4f72",
    "assistants_maternels": "#b3541e",
    "garde_a_domicile": "#5b7f2b",
    "prescolarisation": "#7d3c98",
}
REFERENCE_COLORS = ("#a4161a", "#333333", "#6c4a00")
# Sequential classes for a coverage choropleth (places per 100 children), light to dark. The
# lightest class is a clear colour, never a near-white that could read as "no data": missing or
# masked values are drawn with a hatched pattern (NO_DATA) instead of any colour of the scale.
RATE_CLASSES = ((30, "#fdd49e"), (45, "#c6dbef"), (60, "#9ecae1"), (75, "#4f86bd"))
RATE_TOP = "#1b4f72"
# Unmet demand per 100 children under 3 (waiting applications in the window), light to dark.
DEMAND_CLASSES = ((5, "#fee6ce"), (10, "#fdae6b"), (20, "#f16913"))
DEMAND_TOP = "#a63603"
NO_DATA = "no-data"  # replaced by the map's own hatched pattern
NO_DATA_FLAT = "#ffffff"  # where a pattern cannot be drawn (Leaflet): white with a dashed outline
MASKED_COLOR = "#8a8a8a"
THEME_STYLES = {
    "petite_enfance": ("#1b4f72", "circle"),
    "enfance": ("#b3541e", "square"),
    "jeunesse": ("#5b7f2b", "triangle"),
    "parentalite": ("#7d3c98", "diamond"),
    "animation_vie_sociale": ("#a4161a", "circle"),
    "acces_aux_droits": ("#6c4a00", "star"),
}


def _fmt(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _open(width, height, title, desc, ident):
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
        f"width='{width}' height='{height}' role='img' "
        f"aria-labelledby='{ident}-t {ident}-d' class='chart-svg' {FONT}>"
        f"<title id='{ident}-t'>{escape(title)}</title><desc id='{ident}-d'>{escape(desc)}</desc>"
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>"
    )


def _printed(value) -> str:
    """A bar's figure: a number, a label given by the caller ("masqué", "n.d."), or "masqué"."""
    if isinstance(value, str):
        return value
    return "masqué" if value is None else _fmt(value)


def rate_color(rate: float | None, classes=RATE_CLASSES, top=RATE_TOP) -> str:
    """The class colour of a value, or NO_DATA (hatched) when it is unknown or masked."""
    if rate is None:
        return NO_DATA
    for bound, color in classes:
        if rate < bound:
            return color
    return top


def demand_color(value: float | None) -> str:
    return rate_color(value, DEMAND_CLASSES, DEMAND_TOP)


def _no_data_pattern(ident: str) -> str:
    return (
        f"<defs><pattern id='{ident}-nd' patternUnits='userSpaceOnUse' width='8' height='8' "
        "patternTransform='rotate(45)'><rect width='8' height='8' fill='#ffffff'/>"
        "<line x1='0' y1='0' x2='0' y2='8' stroke='#555555' stroke-width='2'/></pattern></defs>"
    )


def _fill(color: str, ident: str) -> str:
    return f"url(#{ident}-nd)" if color == NO_DATA else color


def stacked_bars(
    rows: list[tuple[str, dict[str, float | None]]],
    series: list[tuple[str, str]],
    *,
    references: list[tuple[str, float]] = (),
    title: str,
    unit: str = "places pour 100 enfants",
    ident: str = "barres",
    width: int = 720,
    colors: dict[str, str] | None = None,
    totals: list[float | None] | None = None,
) -> str:
    """Horizontal stacked bars (one per row, one segment per series) with vertical reference
    lines. `rows`: (label, {series key: value}); None values count as 0 and are noted.
    `totals`: the figure printed at the end of each bar (the table's total, so that the chart
    and the table print the same number); None prints "masqué"."""
    colors = {**(colors or MODE_COLORS), "masked": MASKED_COLOR}
    bar, gap, left, right, top = 22, 10, 150, 60, 34
    legend_rows = 2 if len(series) > 4 else 1
    legend_h = 8 + 18 * legend_rows + (18 if references else 0)
    height = top + len(rows) * (bar + gap) + 30 + legend_h
    sums = [sum(v or 0 for v in values.values()) for _, values in rows]
    printed = list(totals) if totals is not None else sums
    totals = sums
    vmax = max([*totals, *(v for _, v in references), 1.0])
    vmax = math.ceil(vmax / 20) * 20
    plot = width - left - right

    def x(v):
        return left + plot * v / vmax

    desc = "; ".join(
        f"{label} : {_printed(total)} {unit}"
        for (label, _), total in zip(rows, printed, strict=True)
    )
    if references:
        desc += ". Références : " + "; ".join(f"{lab} {_fmt(v)}" for lab, v in references)
    parts = [_open(width, height, title, desc, ident)]
    parts.append(f"<text x='{left}' y='20' font-size='13' fill='#333'>{escape(unit)}</text>")
    for tick in range(0, int(vmax) + 1, 20):
        parts.append(
            f"<line x1='{x(tick):.1f}' x2='{x(tick):.1f}' y1='{top - 4}' "
            f"y2='{top + len(rows) * (bar + gap)}' stroke='#dee2e6'/>"
            f"<text x='{x(tick):.1f}' y='{top + len(rows) * (bar + gap) + 14}' font-size='11' "
            f"text-anchor='middle' fill='#333'>{tick}</text>"
        )
    for i, ((label, values), total, shown) in enumerate(zip(rows, totals, printed, strict=True)):
        y = top + i * (bar + gap)
        parts.append(
            f"<text x='{left - 8}' y='{y + bar * 0.7:.1f}' font-size='12' text-anchor='end' "
            f"fill='#222'>{escape(label)}</text>"
        )
        start = 0.0
        for key, name in series:
            value = values.get(key) or 0.0
            if value <= 0:
                continue
            parts.append(
                f"<rect x='{x(start):.1f}' y='{y}' width='{x(start + value) - x(start):.1f}' "
                f"height='{bar}' fill='{colors.get(key, '#555')}'>"
                f"<title>{escape(label)} — {escape(name)} : {_fmt(value)}</title></rect>"
            )
            start += value
        parts.append(
            f"<text x='{x(total) + 4:.1f}' y='{y + bar * 0.7:.1f}' font-size='12' "
            f"fill='#222'>{_printed(shown)}</text>"
        )
    bottom = top + len(rows) * (bar + gap)
    for k, (_label, value) in enumerate(references):
        color = REFERENCE_COLORS[k % len(REFERENCE_COLORS)]
        parts.append(
            f"<line x1='{x(value):.1f}' x2='{x(value):.1f}' y1='{top - 8}' y2='{bottom}' "
            f"stroke='{color}' stroke-width='2' stroke-dasharray='{4 + 2 * k},3'/>"
        )
    lx = 10
    ly = height - legend_h + 8
    for key, name in series:
        step = 24 + 6.5 * len(name)
        if lx + step > width and lx > 10:
            lx, ly = 10, ly + 18
        parts.append(
            f"<rect x='{lx}' y='{ly}' width='12' height='12' fill='{colors.get(key, '#555')}'/>"
            f"<text x='{lx + 16}' y='{ly + 11}' font-size='11' fill='#222'>{escape(name)}</text>"
        )
        lx += step
    lx, ly = 10, ly + 18
    for k, (label, value) in enumerate(references):
        color = REFERENCE_COLORS[k % len(REFERENCE_COLORS)]
        parts.append(
            f"<line x1='{lx}' x2='{lx + 18}' y1='{ly + 6}' y2='{ly + 6}' stroke='{color}' "
            f"stroke-width='2' stroke-dasharray='{4 + 2 * k},3'/>"
            f"<text x='{lx + 22}' y='{ly + 11}' font-size='11' fill='#222'>"
            f"{escape(label)} ({_fmt(value)})</text>"
        )
        lx += 40 + 6 * (len(label) + 7)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    series: list[tuple[str, list[tuple[str, float | None]]]],
    *,
    title: str,
    unit: str = "places pour 100 enfants",
    ident: str = "courbe",
    width: int = 720,
    height: int = 260,
) -> str:
    """Lines over ordered periods (the union of every series' periods, sorted)."""
    periods = sorted({p for _, points in series for p, _ in points})
    values = [v for _, points in series for _, v in points if v is not None]
    vmax = math.ceil(max([*values, 1.0]) / 20) * 20
    left, right, top, bottom = 50, 20, 30, 44 + 16 * max(len(series), 1)
    height += 16 * max(len(series) - 1, 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(periods) - 1, 1)

    def x(period):
        return left + plot_w * periods.index(period) / n

    def y(v):
        return top + plot_h * (1 - v / vmax)

    desc = "; ".join(
        f"{name} : " + ", ".join(f"{p} {_fmt(v) if v is not None else 'n.d.'}" for p, v in pts)
        for name, pts in series
    )
    parts = [_open(width, height, title, desc, ident)]
    parts.append(f"<text x='{left}' y='18' font-size='12' fill='#333'>{escape(unit)}</text>")
    for tick in range(0, int(vmax) + 1, 20):
        parts.append(
            f"<line x1='{left}' x2='{width - right}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' "
            f"stroke='#dee2e6'/><text x='{left - 6}' y='{y(tick) + 4:.1f}' font-size='11' "
            f"text-anchor='end' fill='#333'>{tick}</text>"
        )
    for period in periods:
        parts.append(
            f"<text x='{x(period):.1f}' y='{top + plot_h + 16}' font-size='11' "
            f"text-anchor='middle' fill='#333'>{escape(period)}</text>"
        )
    palette = list(MODE_COLORS.values()) + list(REFERENCE_COLORS)
    for k, (name, points) in enumerate(series):
        color = palette[k % len(palette)]
        known = [(p, v) for p, v in sorted(points) if v is not None]
        if len(known) > 1:
            path = " ".join(f"{x(p):.1f},{y(v):.1f}" for p, v in known)
            parts.append(
                f"<polyline points='{path}' fill='none' stroke='{color}' stroke-width='2.5'/>"
            )
        for p, v in known:
            parts.append(
                f"<circle cx='{x(p):.1f}' cy='{y(v):.1f}' r='4' fill='{color}'>"
                f"<title>{escape(name)} {escape(p)} : {_fmt(v)}</title></circle>"
            )
        ly = height - bottom + 30 + 16 * k
        lx = left
        parts.append(
            f"<rect x='{lx}' y='{ly}' width='12' height='12' fill='{color}'/>"
            f"<text x='{lx + 16}' y='{ly + 11}' font-size='11' fill='#222'>{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def _marker(shape: str, cx: float, cy: float, color: str, size: float = 6) -> str:
    stroke = "stroke='#ffffff' stroke-width='1.2'"
    if shape == "square":
        return (
            f"<rect x='{cx - size:.1f}' y='{cy - size:.1f}' width='{2 * size}' "
            f"height='{2 * size}' fill='{color}' {stroke}/>"
        )
    if shape in ("triangle", "diamond", "star"):
        if shape == "triangle":
            pts = [
                (cx, cy - size * 1.2),
                (cx + size * 1.1, cy + size),
                (cx - size * 1.1, cy + size),
            ]
        elif shape == "diamond":
            pts = [(cx, cy - size * 1.3), (cx + size, cy), (cx, cy + size * 1.3), (cx - size, cy)]
        else:
            pts = []
            for i in range(10):
                r = size * 1.4 if i % 2 == 0 else size * 0.6
                a = math.pi / 2 + i * math.pi / 5
                pts.append((cx + r * math.cos(a), cy - r * math.sin(a)))
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
        return f"<polygon points='{path}' fill='{color}' {stroke}/>"
    return f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{size}' fill='{color}' {stroke}/>"


def _halo_text(x: float, y: float, text: str, size: int, bold: bool = False) -> str:
    """Dark text on a white halo (drawn twice: paint-order is not supported everywhere)."""
    weight = " font-weight='bold'" if bold else ""
    common = f"x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='middle'{weight}"
    return (
        f"<text {common} fill='#ffffff' stroke='#ffffff' stroke-width='3' "
        f"stroke-linejoin='round' aria-hidden='true'>{escape(text)}</text>"
        f"<text {common} fill='#111111'>{escape(text)}</text>"
    )


def map_svg(
    areas: list[dict],
    markers: list[dict] = (),
    *,
    title: str,
    legend: list[tuple[str, str, str]] = (),
    ident: str = "carte",
    width: int = 640,
    height: int = 480,
) -> str:
    """A map of commune outlines (filled with `fill`) and markers, without background tiles.

    `areas`: {"name", "geometry" (GeoJSON, may be None), "fill", "label", "latitude",
    "longitude"}; `markers`: {"latitude", "longitude", "color", "shape", "label"};
    `legend`: (kind "fill" | shape, color, text). Equirectangular projection scaled by the cosine
    of the mean latitude — exact enough at the scale of a bassin de vie.
    """
    points = []
    for area in areas:
        if area.get("geometry"):
            for ring in _rings(area["geometry"]):
                points.extend(ring)
        elif area.get("latitude") is not None:
            points.append((area["longitude"], area["latitude"]))
    points.extend((m["longitude"], m["latitude"]) for m in markers)
    legend_h = 22 * ((len(legend) + 1) // 2) + 10 if legend else 0
    map_h = height - legend_h
    desc_bits = [f"{a['name']} : {a.get('label', '')}" for a in areas]
    desc = "Carte sans fond : " + "; ".join(desc_bits)
    if markers:
        desc += f". {len(markers)} équipement(s) signalé(s) par des symboles."
    parts = [_open(width, height, title, desc, ident), _no_data_pattern(ident)]
    if not points:
        parts.append(
            f"<text x='{width / 2}' y='{map_h / 2}' text-anchor='middle' font-size='14' "
            "fill='#333'>Aucune coordonnée disponible</text></svg>"
        )
        return "".join(parts)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    lat0 = math.radians((min(lats) + max(lats)) / 2)
    kx = math.cos(lat0)
    span_x = max((max(lons) - min(lons)) * kx, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    pad = 20
    scale = min((width - 2 * pad) / span_x, (map_h - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (map_h - span_y * scale) / 2

    def project(lon, lat):
        return off_x + (lon - min(lons)) * kx * scale, off_y + (max(lats) - lat) * scale

    for area in areas:
        if not area.get("geometry"):
            continue
        d = ""
        for ring in _rings(area["geometry"]):
            d += (
                "M"
                + "L".join("{:.1f},{:.1f}".format(*project(lon, lat)) for lon, lat in ring)
                + "Z"
            )
        parts.append(
            f"<path d='{d}' fill='{_fill(area.get('fill', '#f8f9fa'), ident)}' stroke='#333' "
            f"stroke-width='1' fill-rule='evenodd'><title>{escape(area['name'])} — "
            f"{escape(str(area.get('label', '')))}</title></path>"
        )
    placed_boxes: list[tuple[float, float, float, float]] = []
    for area in areas:
        if area.get("latitude") is None:
            continue
        cx, cy = project(area["longitude"], area["latitude"])
        if not area.get("geometry"):
            parts.append(
                f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='9' "
                f"fill='{_fill(area.get('fill', '#ccc'), ident)}' stroke='#333'/>"
            )
        label = str(area.get("label") or "")
        lx, ly = _free_spot(cx, cy, area["name"], label, placed_boxes, width, map_h)
        if (lx, ly) != (cx, cy):
            parts.append(
                f"<line x1='{cx:.1f}' y1='{cy:.1f}' x2='{lx:.1f}' y2='{ly:.1f}' "
                "stroke='#333' stroke-width='0.8'/>"
            )
        parts.append(_halo_text(lx, ly - 10, area["name"], 12, bold=True))
        if label:
            parts.append(_halo_text(lx, ly + 5, label, 11))
    for m in markers:
        cx, cy = project(m["longitude"], m["latitude"])
        parts.append(
            f"<g>{_marker(m.get('shape', 'circle'), cx, cy, m.get('color', '#333'))}"
            f"<title>{escape(m.get('label', ''))}</title></g>"
        )
    y0 = map_h + 4
    for k, (kind, color, text) in enumerate(legend):
        lx = 10 + (k % 2) * (width / 2)
        ly = y0 + 22 * (k // 2)
        if kind == "fill":
            symbol = (
                f"<rect x='{lx}' y='{ly}' width='14' height='14' fill='{_fill(color, ident)}' "
                "stroke='#333'/>"
            )
        else:
            symbol = _marker(kind, lx + 7, ly + 7, color, size=5)
        parts.append(
            f"{symbol}<text x='{lx + 20}' y='{ly + 12}' font-size='12' fill='#222'>"
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _label_box(x: float, y: float, name: str, label: str) -> tuple[float, float, float, float]:
    """Approximate box of a two-line label centred on (x, y): name above, value below."""
    w = max(len(name) * 7.2, len(label) * 6.4) + 6
    return (x - w / 2, y - 23, x + w / 2, y + 9 if label else y - 5)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _free_spot(cx, cy, name, label, placed, width, height) -> tuple[float, float]:
    """Where to write a commune's label so that it overlaps no label already written: its
    centre if free, else the nearest free offset (a leader line joins it to the centre)."""
    offsets = [(0, 0)] + [
        (dx * step, dy * step)
        for step in (16, 28, 40, 56)
        for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
    ]
    for dx, dy in offsets:
        x, y = cx + dx * 2.5 if dx else cx, cy + dy
        box = _label_box(x, y, name, label)
        if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
            continue
        if not any(_overlaps(box, other) for other in placed):
            placed.append(box)
            return x, y
    placed.append(_label_box(cx, cy, name, label))
    return cx, cy


def rate_legend() -> list[tuple[str, str, str]]:
    items = []
    lower = 0
    for bound, color in RATE_CLASSES:
        items.append(("fill", color, f"{lower} à moins de {bound} places pour 100 enfants"))
        lower = bound
    items.append(("fill", RATE_TOP, f"{lower} places ou plus"))
    items.append(("fill", NO_DATA, "non disponible ou masqué (hachures)"))
    return items


def demand_legend() -> list[tuple[str, str, str]]:
    items = []
    lower = 0
    for bound, color in DEMAND_CLASSES:
        items.append(("fill", color, f"{lower} à moins de {bound} demandes pour 100 enfants"))
        lower = bound
    items.append(("fill", DEMAND_TOP, f"{lower} demandes ou plus"))
    items.append(("fill", NO_DATA, "non disponible ou masqué (hachures)"))
    return items
