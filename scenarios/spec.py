"""Scenario files (``scenarios/*.toml``): the validated, immutable description of a simulation.

A scenario names a base campaign, policy overrides, what-if changes, the arrival of new
profiles, the acceptance model, the number of nights and a seed. Every key is checked with
pydantic; an unknown key is an error naming the key and the file. Every problem of a file is
reported at once (:class:`ScenarioInvalid`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine.domain.contract import (
    DEFAULT_DATE_RANGE,
    MODES,
    ORG_TYPES,
    QUOTA_CATEGORIES,
    ROLES,
    STAY_DAYS,
    Policy,
    typed_date,
)
from engine.domain.vocabulary import builtin_vocabularies
from engine.load.policy import TYPE_WORDS, type_words


class ScenarioInvalid(Exception):
    """A scenario file (or what it does to its campaign) is invalid: every problem is listed."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__(source, problems)  # args as given: the error pickles (Dask workers)
        self.source = source
        self.problems = problems

    def __str__(self) -> str:
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{self.source}: {len(self.problems)} problem(s):\n{lines}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


StrList = tuple[str, ...]


def _as_tuple(value: Any) -> Any:
    """A single string where a list is expected means a list of one."""
    return (value,) if isinstance(value, str) else value


# fields whose words are read as the campaign files read them ("SME" as quotas.csv reads it:
# the hostile-input audit saw set_quota refuse it, and the refusal hide another problem)
WORDED = {"category": "category", "org_type": "org_type", "mode": "mode"}


def _as_codes(field: str, value: Any) -> Any:
    """A field's words (one or a list) as their codes where the vocabulary knows them; other
    values as they are, for the field's own check to refuse."""
    vocabulary = builtin_vocabularies()[WORDED[field]]

    def code(word: Any) -> Any:
        return (vocabulary.lookup(word) or word) if isinstance(word, str) else word

    if isinstance(value, list | tuple):
        return type(value)(code(word) for word in value)
    return code(value)


class Filter(_Strict):
    """Profiles matching every given field (a field lists accepted values; empty = any)."""

    country: StrList = ()
    partnership: StrList = ()
    org_type: StrList = ()
    category: StrList = ()  # KPI category: sme, cluster, technology_centre, scaling_up, public
    mode: StrList = ()
    sector: StrList = ()  # any of the profile's NACE divisions
    language: StrList = ()  # any of the profile's languages
    profile_id: StrList = ()

    @field_validator("*", mode="before")
    @classmethod
    def _one_as_list(cls, value: Any, info: ValidationInfo) -> Any:
        listed = _as_tuple(value)
        return _as_codes(info.field_name, listed) if info.field_name in WORDED else listed

    @field_validator("org_type")
    @classmethod
    def _org_types(cls, value: StrList) -> StrList:
        unknown = sorted(set(value) - set(ORG_TYPES))
        if unknown:
            raise ValueError(f"unknown org_type {unknown}; expected one of {list(ORG_TYPES)}")
        return value

    @field_validator("category")
    @classmethod
    def _categories(cls, value: StrList) -> StrList:
        unknown = sorted(set(value) - set(QUOTA_CATEGORIES[:-1]))
        if unknown:
            raise ValueError(f"unknown category {unknown}; expected one of {QUOTA_CATEGORIES[:-1]}")
        return value

    @field_validator("mode")
    @classmethod
    def _modes(cls, value: StrList) -> StrList:
        unknown = sorted(set(value) - set(MODES))
        if unknown:
            raise ValueError(f"unknown mode {unknown}; expected one of {list(MODES)}")
        return value


class ProfileOverrides(_Strict):
    """Fields written onto added profiles (checked with the campaign's own validation)."""

    country: str | None = None
    partnership: str | None = None
    org_type: str | None = None
    languages: StrList | None = None
    sectors: StrList | None = None
    mode: Literal["physical", "virtual", "either"] | None = None
    capacity: int | None = Field(None, ge=1, strict=True)
    min_days: int | None = Field(None, ge=STAY_DAYS[0], le=STAY_DAYS[1], strict=True)
    max_days: int | None = Field(None, ge=STAY_DAYS[0], le=STAY_DAYS[1], strict=True)

    @field_validator("languages", "sectors", mode="before")
    @classmethod
    def _one_as_list(cls, value: Any) -> Any:
        return _as_tuple(value)

    @field_validator("org_type", "mode", mode="before")
    @classmethod
    def _codes(cls, value: Any, info: ValidationInfo) -> Any:
        return _as_codes(str(info.field_name), value)

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class AddProfiles(_Strict):
    """Add ``count`` profiles: clones of profiles matching ``like``, or freshly generated."""

    action: Literal["add"]
    role: Literal["visitor", "host"]
    count: int = Field(ge=1, le=100_000, strict=True)
    source: Literal["clone", "generate"] = "clone"
    like: Filter = Filter()
    set: ProfileOverrides = ProfileOverrides()

    @model_validator(mode="after")
    def _like_only_for_clones(self) -> AddProfiles:
        if self.source == "generate" and self.like != Filter():
            raise ValueError("'like' only applies to source = 'clone'")
        return self


class RemoveProfiles(_Strict):
    """Withdraw profiles matching ``where`` (unpublished: their history and KPIs remain)."""

    action: Literal["remove"]
    role: Literal["visitor", "host"]
    where: Filter
    share: float = Field(
        1.0, gt=0.0, le=1.0, description="share of the matches withdrawn", strict=True
    )


class ScaleCapacity(_Strict):
    """Multiply host capacities (rounded, at least 1) of the hosts matching ``where``."""

    action: Literal["scale_capacity"]
    factor: float = Field(gt=0.0, le=20.0, strict=True)
    where: Filter = Filter()


class ScaleQuotas(_Strict):
    """Multiply quota targets (rounded) of the given partnerships and categories (empty = all)."""

    action: Literal["scale_quotas"]
    factor: float = Field(ge=0.0, le=20.0, strict=True)
    partnership: StrList = ()
    category: StrList = ()

    @field_validator("partnership", mode="before")
    @classmethod
    def _one_as_list(cls, value: Any) -> Any:
        return _as_tuple(value)

    @field_validator("category", mode="before")
    @classmethod
    def _category_codes(cls, value: Any) -> Any:
        return _as_codes("category", _as_tuple(value))

    @field_validator("category")
    @classmethod
    def _categories(cls, value: StrList) -> StrList:
        unknown = sorted(set(value) - set(QUOTA_CATEGORIES))
        if unknown:
            raise ValueError(f"unknown category {unknown}; expected one of {QUOTA_CATEGORIES}")
        return value


class SetQuota(_Strict):
    """Set (or add) one quota target."""

    action: Literal["set_quota"]
    partnership: str
    category: Literal["sme", "cluster", "technology_centre", "scaling_up", "public", "total"]
    target: int = Field(ge=0, strict=True)

    @field_validator("category", mode="before")
    @classmethod
    def _category_code(cls, value: Any) -> Any:
        return _as_codes("category", value)


Change = Annotated[
    AddProfiles | RemoveProfiles | ScaleCapacity | ScaleQuotas | SetQuota,
    Field(discriminator="action"),
]


class GeneratedBase(_Strict):
    """A base campaign made by the generator (``engine.synthetic.generator.generate_campaign``)."""

    visitors: int = Field(ge=1, le=100_000, strict=True)
    hosts: int = Field(ge=1, le=100_000, strict=True)
    seed: int = Field(0, ge=0, le=2**31 - 1, strict=True)
    months: int = Field(6, ge=1, le=24, strict=True)
    start: date | None = None

    @field_validator("start", mode="before")
    @classmethod
    def _one_date_format(cls, value: Any) -> Any:
        return plausible_day(value)


class Arrivals(_Strict):
    """New profiles published during the campaign, drawn from the generator."""

    visitors_per_night: int = Field(0, ge=0, le=10_000, strict=True)
    hosts_per_night: int = Field(0, ge=0, le=10_000, strict=True)
    from_night: int = Field(2, ge=1, description="first night that sees new profiles", strict=True)
    set: ProfileOverrides = ProfileOverrides()


class Acceptance(_Strict):
    """How a proposal is decided. ``score``: accepted with probability ``p_accept`` (the
    engine's calibrated acceptance probability); ``hidden``: the generator's ground-truth
    model; ``constant``: ``probability``. ``scale`` multiplies the probability (clipped to 1)."""

    model: Literal["score", "hidden", "constant"] = "score"
    probability: float | None = Field(None, ge=0.0, le=1.0, strict=True)
    scale: float = Field(1.0, ge=0.0, le=10.0, strict=True)

    @model_validator(mode="after")
    def _probability_for_constant(self) -> Acceptance:
        if self.model == "constant" and self.probability is None:
            raise ValueError("model = 'constant' needs 'probability'")
        if self.model != "constant" and self.probability is not None:
            raise ValueError("'probability' only applies to model = 'constant'")
        return self


class EngineSettings(_Strict):
    """Options of each night's run (kept small: a simulation runs many nights)."""

    time_limit_s: float = Field(10.0, gt=0.0, le=600.0, strict=True)
    top_k: int = Field(25, ge=1, le=500, strict=True)
    workers: int = Field(
        1, ge=1, le=64, description="CP-SAT threads (1 inside Dask tasks)", strict=True
    )


class Scenario(_Strict):
    """One scenario file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    base: str | GeneratedBase = "demo"
    nights: int = Field(5, ge=1, le=400, strict=True)
    seed: int = Field(0, ge=0, le=2**31 - 1, strict=True)  # CP-SAT's seed is a 32-bit integer
    first_night: date | None = None  # default: the day after the last history decision
    days_between_nights: int = Field(7, ge=1, le=90, strict=True)
    policy: Policy = Policy()  # only the keys given override the base campaign's policy
    changes: tuple[Change, ...] = ()
    arrivals: Arrivals = Arrivals()
    acceptance: Acceptance = Acceptance()
    engine: EngineSettings = EngineSettings()

    @field_validator("first_night", mode="before")
    @classmethod
    def _one_date_format(cls, value: Any) -> Any:
        return plausible_day(value)

    def apply_policy(self, policy: Policy) -> Policy:
        """The base campaign's policy with this scenario's overrides (only the keys given)."""
        overrides = self.policy.model_dump(include=self.policy.model_fields_set)
        return Policy.model_validate({**policy.model_dump(), **overrides})

    def as_dict(self) -> dict[str, Any]:
        """Every setting (defaults included), with only the policy keys the scenario sets."""
        data = self.model_dump(mode="json")
        data["policy"] = self.policy.model_dump(mode="json", include=self.policy.model_fields_set)
        return data

    def digest(self) -> str:
        """A short content hash: results of an edited scenario are never mixed with old ones."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]


class LoadedScenario(_Strict):
    """A scenario and where it came from (relative base folders resolve against ``folder``)."""

    scenario: Scenario
    path: str
    folder: str

    def base_folder(self) -> Path | None:
        """The base campaign folder, or None for the demo or a generated base."""
        base = self.scenario.base
        if isinstance(base, GeneratedBase) or base == "demo":
            return None
        return (Path(self.folder) / base).resolve()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file; raises :class:`ScenarioInvalid` with every problem."""
    loaded, problems = read_scenario(path)
    if problems or loaded is None:
        raise ScenarioInvalid(str(path), problems)
    return loaded


def read_scenario(path: str | Path) -> tuple[LoadedScenario | None, list[str]]:
    """A scenario file and its problems. A file whose only faults are unknown keys is still
    read without them, so what its changes do can be checked in the same report."""
    path = Path(path)
    if not path.is_file():
        return None, ["is not a file"]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return None, [f"is not valid TOML: {error}"]
    except OSError as error:
        return None, [f"cannot be read: {error.strerror}"]
    if not data:  # every default, unsaid (the scenarios' audit: it ran the whole demo)
        return None, [
            'is empty: a scenario names its base campaign at least (base = "demo" for the '
            "bundled one, or a campaign folder)"
        ]
    data.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate(data)
        problems: list[str] = []
    except ValidationError as error:
        problems = describe_errors(error)
        salvaged = _salvaged(data, error, path.stem)
        if salvaged is None:
            return None, [*problems, *_missing_base(data.get("base"), path.parent)]
        scenario = salvaged
    loaded = LoadedScenario(scenario=scenario, path=str(path), folder=str(path.parent))
    try:
        folder = loaded.base_folder()
        missing = folder is not None and not folder.is_dir()
    except (ValueError, OSError) as error:  # a NUL byte, a name too long, ...
        return None, [*problems, f"base: not a campaign folder ({error})"]
    if missing:
        return None, [*problems, f"base: campaign folder {folder} does not exist"]
    return loaded, problems


# what stands in for a change whose own values are wrong, so that the others are still
# checked against the base (it changes nothing: every host's capacity times 1)
NO_CHANGE = {"action": "scale_capacity", "factor": 1.0}


def _salvaged(data: dict[str, Any], error: ValidationError, stem: str) -> Scenario | None:
    """The scenario without what the errors name: an unknown key dropped, a change whose
    values are wrong replaced by :data:`NO_CHANGE` (the others keep their numbers), another
    setting back to its default; None where that is still not a scenario. Its problems are
    reported all the same: only what the rest does can then be checked in the same report
    (the scenarios audit: a partnership or country no base has showed only once the types
    were fixed)."""
    salvage = copy.deepcopy(data)
    for item in error.errors():
        loc = item["loc"]
        changes = salvage.get("changes")
        if loc[:1] == ("changes",) and len(loc) > 1 and isinstance(loc[1], int):
            if isinstance(changes, list) and loc[1] < len(changes):
                changes[loc[1]] = dict(NO_CHANGE)
        elif item["type"] == "extra_forbidden":
            _drop(salvage, loc)
        elif loc and isinstance(loc[0], str):
            salvage.pop(loc[0], None)
    salvage.setdefault("name", stem)
    try:
        return Scenario.model_validate(salvage)
    except ValidationError:
        return None


def _missing_base(base: Any, folder: Path) -> list[str]:
    """A base folder named in text that is not there, said beside the file's other problems
    (the audit: it showed only once they were fixed)."""
    if not isinstance(base, str) or base == "demo" or "\x00" in base:
        return []
    try:
        there = (folder / base).resolve().is_dir()
    except (ValueError, OSError):
        return []  # a name the file system cannot hold: said once the file is valid
    return [] if there else [f"base: campaign folder {(folder / base).resolve()} does not exist"]


def _drop(data: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the unknown key at ``loc`` (pydantic's path, union tags skipped)."""
    node = data
    for part in loc[:-1]:
        if isinstance(node, list) and isinstance(part, int):
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(part, node)  # a union tag pydantic inserts is not in the data
    if isinstance(node, dict):
        node.pop(loc[-1], None)


def describe_errors(error: ValidationError) -> list[str]:
    """pydantic's errors as one readable line each: where (TOML keys) and what."""
    lines = []
    items = error.errors()
    if any(item["loc"][:2] == ("base", "GeneratedBase") for item in items):
        # a [base] table: the "folder path or 'demo'" member of the union does not apply
        items = [item for item in items if item["loc"][:2] != ("base", "str")]
    for item in items:
        where = _location(item["loc"])
        if item["type"] == "extra_forbidden":
            parent = _location(item["loc"][:-1])
            place = f" in [{parent}]" if parent else ""
            lines.append(f"unknown key '{item['loc'][-1]}'{place}")
        elif item["type"] == "union_tag_invalid":
            lines.append(
                f"{where}: unknown action {item['input'].get('action')!r}; expected one of "
                "add, remove, scale_capacity, scale_quotas, set_quota"
                if isinstance(item["input"], dict)
                else f"{where}: {item['msg']}"
            )
        elif item["type"] in TYPE_WORDS:  # strict: no "7" read as 7, as in policy.toml
            lines.append(f"{where}: {type_words(item['type'], item.get('input'))}")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if where else message)
    return lines


def _location(loc: tuple[int | str, ...]) -> str:
    """``('changes', 1, 'add', 'like', 'country')`` -> ``changes[2].like.country``."""
    parts: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part + 1}]"
            continue
        if index > 0 and isinstance(loc[index - 1], int) and part in _ACTIONS:
            continue  # the union's tag pydantic inserts after a list index
        if part in ("str", "GeneratedBase"):
            continue  # the members of base's union
        parts.append(str(part))
    return ".".join(parts)


_ACTIONS = ("add", "remove", "scale_capacity", "scale_quotas", "set_quota")


def plausible_day(value: Any) -> Any:
    """A scenario's date: a TOML date or ``YYYY-MM-DD``, in the default plausible dates."""
    day = typed_date(value)
    first, last = DEFAULT_DATE_RANGE
    if day is not None and not first <= day <= last:
        raise ValueError(f"is outside the plausible dates {first}..{last}")
    return day


ROLE_NAMES = ROLES
