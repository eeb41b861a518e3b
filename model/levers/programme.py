"""What a lever's programme is: how workers join it, what being in it does to them, how it ends, and the KPIs
that count it. A lever with a programme declares one `Programme` as `PROGRAMME` in its module; the engine's
tables (rules.py), the programme kernels (programmes.py) and the KPI registry (kpis.py) are built from these
declarations, so nothing else names a programme.

Each effect is the name of a behavioural parameter (calibration/parameters.yaml), or None for no effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a programme ends after its months: no lasting change beyond what was learnt, a grade reached (the lever's
# completion grade, with the completion rate), or one education level up (with the completion rate).
COMPLETIONS = ("none", "grade", "education")


@dataclass(frozen=True)
class Programme:
    """A lever's programme, declared once in the lever's module."""

    id: str  # e.g. "training"
    enrolment_kpi: tuple[str, str, str]  # (KPI id, Chinese label, English label) of the month's enrolments
    participants_kpi: tuple[str, str, str] | None = None  # (KPI id, labels) of the workers in it, if reported
    # "application": employed workers apply to a rationed offer (MonthPolicy.offers); "entry": a share of the
    # month's entrants starts it with their employer (MonthPolicy.entry_offers)
    joined_at: Literal["application", "entry"] = "application"
    learning_multiplier: str | None = None  # learning by doing is multiplied by this while in the programme
    learning_gain: str | None = None  # human capital gained per month in the programme
    certification_multiplier: str | None = None  # exam pass chances multiplied by this
    sit_floor: str | None = None  # lowest monthly exam-sitting probability of an eligible participant
    seniority_cut: str | None = None  # share of the months-at-grade rule waived
    quit_shift: str | None = None  # log-odds added to the quit hazard
    enrolment_gain: str | None = None  # human capital gained at once on enrolment
    completion: Literal["none", "grade", "education"] = "none"
    completion_rate: str | None = None  # share of those finishing who reach the completion
    ends_with_the_job: bool = False  # leaving the employer ends it

    def __post_init__(self) -> None:
        if self.completion != "none" and self.completion_rate is None:
            raise ValueError(f"programme {self.id}: a completion ({self.completion}) needs its completion_rate")

    @property
    def enrolment_statistic(self) -> str:
        """The tally's statistic counting the month's enrolments (kpis.STATS)."""
        return f"enrolled_{self.id}"

    @property
    def participants_statistic(self) -> str:
        """The tally's statistic counting the workers in the programme at the month's end (kpis.STATS)."""
        return f"in_{self.id}"
