"""Rules as data: each limit and each exception is a value with its provision, its words and its source, grouped
in rule sets that are in force for a range of dates, so that a rule which applied only for a while is applied to
the facts it covers and refused outside them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pathfinder.contracts.vocabulary import PhaseTransfer, StatutoryLimit
from pathfinder.ehcp.domain.clock import periods
from pathfinder.ehcp.domain.clock.facts import Ground
from pathfinder.ehcp.domain.clock.periods import DateRange


class RuleNotInForce(LookupError):
    """No rule set of the book was in force for the facts; the message says which rule and when it was."""


class ExceptionRefused(ValueError):
    """A recorded exception has no basis under the rules in force for it; the message says why."""


class Counting(StrEnum):
    """How a phrase of the legislation turns into a last day (ADR 0008)."""

    ON_THE_DAY = "on-the-day"  # no later than the day of the event itself
    WITHIN_WEEKS_OF = "within-weeks-of"  # the event's day not counted
    DAYS_BEGINNING_WITH = "days-beginning-with"  # the event's day is day 1
    CLEAR_WEEKS_BEFORE = "clear-weeks-before"  # at least N weeks before the event: N weeks of clear days
    MONTHS_STARTING_WITH = "months-starting-with"  # the first day is in the period
    BEFORE_DAY_OF_YEAR = "before-day-of-year"  # before a named day of the event's calendar year


@dataclass(frozen=True, slots=True)
class Period:
    counting: Counting
    amount: int = 0
    month_day: tuple[int, int] = (1, 1)

    def last_day(self, event: date) -> date:
        """The last day on which the limit is met, counted from (or back from) the day of ``event``."""
        match self.counting:
            case Counting.ON_THE_DAY:
                return event
            case Counting.WITHIN_WEEKS_OF:
                return periods.within_weeks_of(event, self.amount)
            case Counting.DAYS_BEGINNING_WITH:
                return periods.days_beginning_with(event, self.amount)
            case Counting.CLEAR_WEEKS_BEFORE:
                return periods.clear_weeks_before(event, self.amount)
            case Counting.MONTHS_STARTING_WITH:
                return periods.months_starting_with(event, self.amount)
            case Counting.BEFORE_DAY_OF_YEAR:
                return periods.before_day_of_year(event.year, *self.month_day)


class Occasion(StrEnum):
    """Which of two rules for one kind of limit applies, where the kind alone does not say."""

    AMENDMENT = "amendment"  # reg 22: amendments proposed to a plan, rather than a new plan (reg 13)


Variant = PhaseTransfer | Occasion


@dataclass(frozen=True, slots=True)
class LimitRule:
    """One statutory limit: the provision, the phrase it uses, how that is counted, what duty remains when an
    exception disapplies it, and where to read it. ``variants`` narrows a rule to the phase transfers or the
    occasion it is for; ``cap`` is a further outside limit counted from another event (the decision, for the
    reg 4(2) notices; the review meeting, for amendments after a review)."""

    limit: StatutoryLimit
    provision: str
    words: str
    period: Period
    duty_when_disapplied: str
    source: str
    variants: frozenset[Variant] = frozenset()
    cap: Period | None = None
    cap_basis: str = ""


class ExceptionTest(StrEnum):
    """When a recorded exception disapplies a limit it names (ADR 0008)."""

    DURING_THE_PERIOD = "during-the-period"  # it falls at some time while the limit runs (regs 5(4), 8(2), 10(4)...)
    ON_THE_LAST_DAY = "on-the-last-day"  # it applies on the limit's last day (S.I. 2020/471 reg 2A)


@dataclass(frozen=True, slots=True)
class ExceptionRule:
    """A ground on which named limits do not apply: the provisions that may be relied on, the limits each
    disapplies, the test, and the conditions the facts must meet (a continuous length, advice asked of a setting
    in the closure's window, a missed appointment inside the advice's 6 weeks)."""

    ground: Ground
    bases: tuple[tuple[str, frozenset[StatutoryLimit]], ...]
    test: ExceptionTest
    source: str
    duty: str | None = None
    continuous_days: int = 0
    advice_asked_of_setting: bool = False
    within_advice_period: bool = False
    on_advice_request: bool = False  # a body's own exception (reg 8(2)): recorded on the request it concerns

    def matches(self, ground: Ground) -> bool:
        # The vocabularies share values ("absent-from-area"): a reg 8(2) absence is not a reg 10(4) one.
        return type(ground) is type(self.ground) and ground == self.ground

    def limits_for(self, basis: str) -> frozenset[StatutoryLimit] | None:
        for provision, limits in self.bases:
            if provision == basis:
                return limits
        return None

    @property
    def limits(self) -> frozenset[StatutoryLimit]:
        return frozenset().union(*(limits for _, limits in self.bases))


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Limits and exceptions made by one instrument, in force from ``in_force.first`` to ``in_force.last``."""

    name: str
    citation: str
    source: str
    in_force: DateRange
    limits: tuple[LimitRule, ...] = ()
    exceptions: tuple[ExceptionRule, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleBook:
    """Rule sets in the order they were made: a later set in force on a day overrides an earlier one's rule."""

    sets: tuple[RuleSet, ...]
    _by_limit: dict[tuple[StatutoryLimit, Variant | None], tuple[tuple[DateRange, LimitRule], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[StatutoryLimit, Variant | None], list[tuple[DateRange, LimitRule]]] = {}
        for rules in self.sets:
            for rule in rules.limits:
                variants: frozenset[Variant | None] = frozenset(rule.variants) or frozenset({None})
                for variant in variants:
                    index.setdefault((rule.limit, variant), []).append((rules.in_force, rule))
        object.__setattr__(self, "_by_limit", {key: tuple(reversed(found)) for key, found in index.items()})

    def limit_rule(self, limit: StatutoryLimit, starts_on: date, variant: Variant | None = None) -> LimitRule:
        """The rule for ``limit`` (of ``variant``) in force on the day it starts to run; refused when none was."""
        for in_force, rule in self._by_limit.get((limit, variant), ()):
            if starts_on in in_force:
                return rule
        known = "; ".join(f"{rules.name} {rules.in_force}" for rules in self.sets if _sets(rules, limit))
        raise RuleNotInForce(
            f"no rule for the {limit.value} limit was in force on {starts_on}"
            + (f" (in this book: {known})" if known else " in this rule book")
        )

    def exception_rule(self, ground: Ground, basis: str, covers: DateRange) -> tuple[ExceptionRule, DateRange]:
        """The rule recognising ``ground`` under ``basis`` and the days of ``covers`` it was in force for;
        refused when no rule set in force on any of those days recognises it."""
        named: list[tuple[RuleSet, ExceptionRule]] = [
            (rules, rule) for rules, rule in self._exception_rules() if rule.matches(ground)
        ]
        if not named:
            raise ExceptionRefused(f"no rule in this book recognises {ground.value!r} as an exception to any limit")
        for rules, rule in reversed(named):
            in_force = covers.overlap(rules.in_force)
            if in_force is not None and rule.limits_for(basis) is not None:
                return rule, in_force
        for rules, rule in named:
            if covers.overlap(rules.in_force) is None:
                continue
            bases = ", ".join(provision for provision, _ in rule.bases)
            raise ExceptionRefused(f"{basis!r} is not a basis for {ground.value!r}: {rules.name} gives {bases}")
        ranges = "; ".join(f"{rules.name} {rules.in_force}" for rules, _ in named)
        raise ExceptionRefused(
            f"{ground.value!r} {covers} is refused: no rule recognising it was in force then ({ranges})"
        )

    def _exception_rules(self) -> Iterator[tuple[RuleSet, ExceptionRule]]:
        for rules in self.sets:
            for rule in rules.exceptions:
                yield rules, rule


def _sets(rules: RuleSet, limit: StatutoryLimit) -> bool:
    return any(rule.limit is limit for rule in rules.limits)
