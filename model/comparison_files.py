"""A `workforce compare` directory as the report and the spreadsheet read it: its three files, and each option's
name in a report language."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.errors import InputError

GROUP_DIMENSIONS = ("region", "city", "sector", "ownership", "grade", "migrant", "migrant_generation", "age_band")


def load_comparison(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """effects.parquet, headline.csv and manifest.json of a `workforce compare` directory."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        effects = pd.read_parquet(directory / "effects.parquet")
        headline = pd.read_csv(directory / "headline.csv")
    except FileNotFoundError as exc:
        raise InputError(
            f"{directory}: not a comparison directory (missing {Path(exc.filename).name}); "
            "make one with `workforce compare`"
        ) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{directory}: unreadable comparison results ({exc})") from None
    return effects, headline, manifest


def display_names(manifest: dict, lang: str) -> dict[str, str]:
    """Each option's name in the report language, from the scenario each run recorded (a bilingual name, or a
    plain one shown as written), keyed by the name results carry."""
    names = {}
    for key, runs in manifest.get("runs", {}).items():
        names[key] = in_language((runs[0].get("scenario") or {}).get("name", key) if runs else key, lang)
    if len(set(names.values())) < len(names):  # two options would read alike: keep the distinct keys
        return {key: key for key in names}
    return names


def in_language(text: object, lang: str) -> str:
    """A recorded scenario text: `{zh, en}` gives the report language's, a string itself."""
    return str(text.get(lang, "")) if isinstance(text, dict) else str(text)
