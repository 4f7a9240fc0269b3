"""A small data set worked by hand, for the dashboard's figures on the fakes and on PostgreSQL alike.

On 2 March 2026 (``TODAY``), ICB QHM (LAs 841 and 805) holds:

    id  LA   team           received    stops                 outcome                  due         figures
    A   841  qhm-paeds      2026-01-05  -                     submitted 2026-02-10     2026-02-16  36 days, on time
    B   805  qhm-805-paeds  2026-01-05  -                     submitted 2026-02-20     2026-02-16  46 days, 4 late
    C   841  qhm-paeds      2025-12-01  2025-12-10..12-19     submitted 2026-01-20     2026-01-22  50 days, on time
    D   841  qhm-paeds      2026-01-10  -                     open                     2026-02-21  -9 red
    E   841  qhm-paeds      2026-02-20  -                     open                     2026-04-03  32 green
    F   805  qhm-805-paeds  2026-02-01  -                     open                     2026-03-15  13 amber
    G   841  qhm-paeds      2026-01-20  since 2026-02-25      open, clock stopped      2026-03-09  7 amber
    J   841  qhm-paeds      2026-01-15  -                     cancelled 2026-01-20     2026-02-26
    K   841  qhm-paeds      2025-10-01  -                     submitted 2025-12-31     2025-11-12  91 days, 49 late
    L   841  qhm-paeds      2026-02-02  -                     submitted 2026-02-10     2026-03-16  8 days, on time

and ICB QHL one request of LA 330, H, received 2026-01-02, open and overdue (due 2026-02-13).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid5

from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.service_layer import advice_requests as use
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork

from health_advice_kit.builders import at, clock, configure, dco, opened

TODAY = date(2026, 3, 2)
_NAMESPACE = UUID("5b0c4b8e-4f7e-4a53-9f43-1a1d1f1e0a10")


def request_id(letter: str) -> UUID:
    return uuid5(_NAMESPACE, letter)


async def build(unit_of_work: Callable[[], HealthAdviceUnitOfWork]) -> None:
    await configure(unit_of_work())
    received = {
        "A": ("841", date(2026, 1, 5)), "B": ("805", date(2026, 1, 5)), "C": ("841", date(2025, 12, 1)),
        "D": ("841", date(2026, 1, 10)), "E": ("841", date(2026, 2, 20)), "F": ("805", date(2026, 2, 1)),
        "G": ("841", date(2026, 1, 20)), "J": ("841", date(2026, 1, 15)), "K": ("841", date(2025, 10, 1)),
        "L": ("841", date(2026, 2, 2)),
    }  # fmt: skip
    for letter, (la_code, day) in received.items():
        await opened(
            unit_of_work(), day, la_code=la_code, advice_request_id=request_id(letter),
            assessment_id=uuid5(_NAMESPACE, f"assessment {letter}"),
        )  # fmt: skip
    await opened(
        unit_of_work(), date(2026, 1, 2), la_code="330", icb="QHL", advice_request_id=request_id("H"),
        assessment_id=uuid5(_NAMESPACE, "assessment H"),
    )  # fmt: skip
    officer = dco("QHM")
    absent = AdviceClockStopReason.ABSENT_FROM_AREA
    await use.record_clock_stop(request_id("C"), reason=absent, started_on=date(2025, 12, 10), principal=officer,
                                uow=unit_of_work(), now=clock(date(2025, 12, 10)))  # fmt: skip
    await use.end_clock_stop(request_id("C"), ended_on=date(2025, 12, 19), principal=officer, uow=unit_of_work(),
                             now=clock(date(2025, 12, 20)))  # fmt: skip
    await use.record_clock_stop(request_id("G"), reason=absent, started_on=date(2026, 2, 25), principal=officer,
                                uow=unit_of_work(), now=clock(date(2026, 2, 25)))  # fmt: skip
    await use.cancel(request_id("J"), reason="withdrawn by the LA", principal=officer, uow=unit_of_work(),
                     now=clock(date(2026, 1, 20)))  # fmt: skip
    submitted = {
        "A": date(2026, 2, 10), "B": date(2026, 2, 20), "C": date(2026, 1, 20), "K": date(2025, 12, 31),
        "L": date(2026, 2, 10),
    }  # fmt: skip
    for letter, day in submitted.items():
        await use.accept(request_id(letter), principal=officer, uow=unit_of_work(), now=clock(day, 9))
        await use.submit_advice(request_id(letter), form=AdviceForm.DOCUMENT, submitted_at=at(day), principal=officer,
                                uow=unit_of_work(), now=clock(day, 11))  # fmt: skip
