"""A scenario's settings in words ("add 20 hosts like any host, set in Portugal, speaking
Portuguese and English"), for the reports: never a dump of keys, nulls and empty lists."""

from __future__ import annotations

from typing import Any

from engine.domain.vocabulary import label
from engine.output.formats import day, percent

POLICY_WORDS = {
    "min_sme_share": ("minimum SME share", lambda v: percent(v)),
    "lead_days": ("days between a night and the earliest start", str),
    "max_group_size": ("largest group", str),
    "plan_on": ("plan on", lambda v: "the expected exchanges" if v == "outcome" else "proposals"),
}


def _values(field: str, values: Any) -> str:
    items = values if isinstance(values, list | tuple) else [values]
    vocabulary = {
        "country": "country",
        "languages": "language",
        "language": "language",
        "org_type": "org_type",
        "category": "category",
        "mode": "mode",
    }.get(field)
    if vocabulary:
        try:
            items = [label(vocabulary, str(item)) for item in items]
        except (KeyError, ValueError):
            items = [str(item) for item in items]
    return (
        " or ".join(str(item) for item in items)
        if field in ("country",)
        else ", ".join(str(item) for item in items)
    )


def _filter(where: dict[str, Any], role: str) -> str:
    given = {key: value for key, value in (where or {}).items() if value}
    if not given:
        return f"any {role}"
    words = [f"{key.replace('_', ' ')} {_values(key, value)}" for key, value in given.items()]
    return f"{role}s with " + " and ".join(words)


def _overrides(values: dict[str, Any]) -> str:
    given = {key: value for key, value in (values or {}).items() if value not in (None, [], ())}
    return "; ".join(
        f"{key.replace('_', ' ')} {_values(key, value)}" for key, value in given.items()
    )


def change_in_words(change: dict[str, Any]) -> str:
    action = change["action"]
    if action == "add":
        role = change["role"]
        source = (
            "newly generated"
            if change.get("source") == "generate"
            else f"cloned from {_filter(change.get('like') or {}, role)}"
        )
        text = f"add {change['count']} {role}s, {source}"
        if set_to := _overrides(change.get("set") or {}):
            text += f", with {set_to}"
        return text
    if action == "remove":
        share = float(change.get("share", 1.0))
        who = _filter(change.get("where") or {}, change["role"])
        return f"withdraw {percent(share)} of the {who}" if share < 1 else f"withdraw every {who}"
    if action == "scale_capacity":
        return f"host capacities × {change['factor']:g} for {_filter(change.get('where') or {}, 'host')}"
    if action == "scale_quotas":
        categories = ", ".join(label("category", c) for c in change.get("category") or []) or "all"
        partnerships = ", ".join(change.get("partnership") or []) or "every partnership"
        return f"KPI targets × {change['factor']:g} ({categories}; {partnerships})"
    if action == "set_quota":
        return (
            f"{change['partnership']}'s {label('category', change['category'])} target "
            f"set to {change['target']}"
        )
    return str(action)


def settings_in_words(scenario: dict[str, Any]) -> list[tuple[str, str]]:
    base = scenario.get("base")
    if isinstance(base, dict):
        base_text = f"a generated campaign of {base['visitors']} visitors and {base['hosts']} hosts"
    elif base == "demo":
        base_text = "the bundled demo campaign"
    else:
        base_text = f"the campaign in {base}"
    first = scenario.get("first_night")
    rows = [
        ("campaign", base_text),
        (
            "nights",
            f"{scenario['nights']}, every {scenario['days_between_nights']} days"
            + (f" from {day(first)}" if first else " from the day after the last decision"),
        ),
    ]
    for key, value in (scenario.get("policy") or {}).items():
        name, words = POLICY_WORDS.get(key, (key.replace("_", " "), str))
        rows.append((name, words(value)))
    for number, change in enumerate(scenario.get("changes") or [], start=1):
        rows.append((f"change {number}", change_in_words(change)))
    arrivals = scenario.get("arrivals") or {}
    if arrivals.get("visitors_per_night") or arrivals.get("hosts_per_night"):
        rows.append(
            (
                "arrivals",
                f"{arrivals.get('visitors_per_night', 0)} visitors and "
                f"{arrivals.get('hosts_per_night', 0)} hosts a night from night "
                f"{arrivals.get('from_night', 2)}",
            )
        )
    acceptance = scenario.get("acceptance") or {}
    model = acceptance.get("model", "score")
    accept = {
        "score": "each proposal with its chance of becoming an exchange (p_accept)",
        "hidden": "the generator's hidden acceptance model",
        "constant": f"every proposal with probability {percent(acceptance.get('probability'))}",
    }.get(model, model)
    if float(acceptance.get("scale", 1.0)) != 1.0:
        accept += f", × {float(acceptance['scale']):g}"
    rows.append(("decisions", f"accepted {accept}"))
    engine = scenario.get("engine") or {}
    rows.append(("solver", f"{engine.get('time_limit_s', 10):g} s a night"))
    rows.append(("seed", str(scenario.get("seed", 0))))
    return rows
