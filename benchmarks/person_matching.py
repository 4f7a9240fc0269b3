"""Person-matching benchmark: blocking and Fellegi-Sunter scoring over a synthetic population, in memory.

Builds an index of at least 10,000 children (households, siblings, twins), then matches incoming agency
records against it: records of children in the index with realistic errors (no NHS number: the probabilistic
path), and records of children not in it, many of them siblings and twins of indexed children. Blocking keys
are hashed with the real blind-index HMAC, as the service stores them. Prints:
  - precision and recall of "match", and of "match or possible match" (the true person among the candidates),
  - the review queue (possible matches) and the wrong pairs above each threshold,
  - m and u of each comparison level measured on the compared pairs, beside the configured ones,
  - throughput in records/s beside raw rapidfuzz Jaro-Winkler comparisons/s and HMACs/s on this machine.

    .venv/bin/python benchmarks/person_matching.py [--people 12000] [--incoming 6000] [--seed 20261123]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

# The synthetic population is test data: it lives in identity's test kit, not in the service.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "identity" / "tests" / "kit"))

from identity_kit.synthetic_population import Child, Population, agency_record
from pathfinder.identity.persons.adapters.vault import PersonVault
from pathfinder.identity.persons.domain.matching import (
    M_U,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Candidate,
    MatchOutcome,
    best_score,
    decide,
)
from pathfinder.identity.persons.domain.matching_comparisons import Level
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys
from rapidfuzz.distance import JaroWinkler


def raw_rates(rng: random.Random, names: list[str], vault: PersonVault) -> tuple[float, float]:
    pairs = [(rng.choice(names).upper(), rng.choice(names).upper()) for _ in range(200_000)]
    started = time.perf_counter()
    for a, b in pairs:
        JaroWinkler.similarity(a, b)
    comparisons = len(pairs) / (time.perf_counter() - started)
    texts = [f"dob-surname|2015-03-{n % 28:02d}|SM0" for n in range(100_000)]
    started = time.perf_counter()
    for text in texts:
        vault.blind_index(text)
    return comparisons, len(texts) / (time.perf_counter() - started)


Incoming = list[tuple[MatchProfile, int | None, str]]


def incoming_records(population: Population, index: list[Child], count: int) -> Incoming:
    """(profile, true person id or None, kind): two thirds of children in the index, the rest not in it."""
    rng = population.rng
    records: Incoming = []
    for child in rng.sample(index, (count * 2) // 3):
        records.append((MatchProfile.of(agency_record(population, child)), child.person_id, "in index"))
    newcomers = count - len(records)
    for kind, share in (("twin of an indexed child", 0.1), ("sibling of an indexed child", 0.3)):
        for relative in rng.sample(index, int(newcomers * share)):
            new = population.sibling_of(relative, twin=kind.startswith("twin"))
            records.append((MatchProfile.of(agency_record(population, new)), None, kind))
    for new in population.households(count - len(records))[: count - len(records)]:
        records.append((MatchProfile.of(agency_record(population, new)), None, "unrelated newcomer"))
    rng.shuffle(records)
    return records


@dataclass
class Run:
    outcomes: Counter[str] = field(default_factory=Counter)
    compared: int = 0
    blocked_truth: int = 0
    positives: int = 0
    records: int = 0
    seconds: float = 0.0

    @property
    def matches(self) -> int:
        return sum(n for k, n in self.outcomes.items() if k.startswith("match"))

    @property
    def possibles(self) -> int:
        return sum(n for k, n in self.outcomes.items() if k.startswith("possible"))

    def figures(self) -> tuple[float, float, float, float]:
        """Precision and recall of match, then of match + possible (the true person among the candidates)."""
        right = self.outcomes["match right"]
        either = right + self.outcomes["possible, true person listed"]
        return (
            right / max(self.matches, 1),
            right / self.positives,
            either / max(self.matches + self.possibles, 1),
            either / self.positives,
        )


class Index:
    def __init__(self, children: list[Child], vault: PersonVault) -> None:
        self.vault = vault
        self.profiles = {child.person_id: MatchProfile.of(child.demographics) for child in children}
        self.ids = {person_id: UUID(int=person_id) for person_id in self.profiles}
        self.blocks: dict[bytes, list[int]] = defaultdict(list)
        for person_id, profile in self.profiles.items():
            for key in blocking_keys(profile):
                self.blocks[vault.blind_index(key)].append(person_id)

    def candidates(self, profile: MatchProfile) -> set[int]:
        found: set[int] = set()
        for key in blocking_keys(profile):
            found.update(self.blocks.get(self.vault.blind_index(key), ()))
        return found

    def run(self, incoming: Incoming, *, match: float = MATCH_THRESHOLD, possible: float = POSSIBLE_THRESHOLD) -> Run:
        run = Run(records=len(incoming), positives=sum(truth is not None for _, truth, _ in incoming))
        started = time.perf_counter()
        for profile, truth, kind in incoming:
            found = self.candidates(profile)
            candidates = [Candidate(self.ids[person_id], [self.profiles[person_id]]) for person_id in found]
            decision = decide(profile, candidates, match_threshold=match, possible_threshold=possible)
            run.compared += len(candidates)
            run.blocked_truth += truth is not None and truth in found
            truth_id = self.ids[truth] if truth is not None else None
            if decision.outcome is MatchOutcome.MATCH:
                run.outcomes["match right" if decision.person_id == truth_id else f"match wrong ({kind})"] += 1
            elif decision.outcome is MatchOutcome.POSSIBLE_MATCH:
                listed = truth_id in {c.person_id for c in decision.review_candidates}
                run.outcomes["possible, true person listed" if listed else f"possible, no true person ({kind})"] += 1
            else:
                run.outcomes["no match, person missed" if truth is not None else "no match, right"] += 1
        run.seconds = time.perf_counter() - started
        return run


def measured_m_u(index: Index, incoming: Incoming, rng: random.Random) -> dict[str, dict[str, tuple[float, float]]]:
    """m from each record paired with its true person; u from random pairs of different children."""
    agree: dict[bool, dict[str, Counter[str]]] = {True: defaultdict(Counter), False: defaultdict(Counter)}
    people = list(index.profiles)
    for profile, truth, _ in incoming:
        pairs = [(truth, True)] if truth is not None else []
        pairs += [(other, False) for other in rng.sample(people, 40) if other != truth]
        for person_id, same in pairs:
            scored = best_score(profile, Candidate(index.ids[person_id], [index.profiles[person_id]]))
            for name, level in scored.score.levels.items():
                agree[same][name][level.value] += 1
    measured = {}
    for name in ("forename", "surname", "birth_date", "sex", "postcode"):
        m_total, u_total = sum(agree[True][name].values()), sum(agree[False][name].values())
        measured[name] = {
            level.value: (agree[True][name][level.value] / m_total, agree[False][name][level.value] / u_total)
            for level in M_U[name]
        }
    return measured


def wrong_pairs(index: Index, incoming: Incoming) -> dict[str, list[tuple[float, bool]]]:
    """Every compared pair of different children: its score and whether the guard would let it link."""
    found: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for profile, truth, kind in incoming:
        for person_id in index.candidates(profile) - {truth}:
            scored = best_score(profile, Candidate(index.ids[person_id], [index.profiles[person_id]]))
            relation = "twins" if kind.startswith("twin") else "siblings and other children"
            found[relation].append((scored.score.total, scored.score.may_link_unreviewed))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=12_000)
    parser.add_argument("--incoming", type=int, default=6_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    population = Population(args.seed)
    vault = PersonVault(random.Random(args.seed).randbytes(32))
    children = population.households(args.people)
    index = Index(children, vault)
    incoming = incoming_records(population, children, args.incoming)
    twins = sum(1 for child in children if child.twin_of is not None)
    print(
        f"index: {len(children):,} children in {population.household_count:,} households ({twins} twins), "
        f"{len(index.blocks):,} blocking keys, largest block {max(map(len, index.blocks.values()))}"
    )
    kinds = Counter(kind for *_, kind in incoming)
    print(f"incoming: {len(incoming):,} records: " + ", ".join(f"{n:,} {kind}" for kind, n in kinds.items()))

    run = index.run(incoming)
    print(
        f"\nthresholds: match >= {MATCH_THRESHOLD} bits and the multiple-birth guard; possible >= {POSSIBLE_THRESHOLD}"
    )
    for name, n in sorted(run.outcomes.items()):
        print(f"  {name:<56} {n:>6,}")
    precision, recall, either_precision, either_recall = run.figures()
    print(
        f"blocking recall (true person among candidates) {run.blocked_truth / run.positives:.4f}; "
        f"pairs compared per record {run.compared / run.records:.1f}"
    )
    print(f"match:            precision {precision:.4f}  recall {recall:.4f}")
    print(f"match + possible: precision {either_precision:.4f}  recall {either_recall:.4f}")
    print(f"review queue:     {run.possibles:,} of {run.records:,} records ({run.possibles / run.records:.1%})")

    print("\nwrong pairs compared (different children in one block):")
    for relation, pairs in sorted(wrong_pairs(index, incoming).items()):
        top = sorted((score for score, _ in pairs), reverse=True)[:3]
        linkable = max((score for score, guard in pairs if guard), default=float("nan"))
        above_possible = sum(score >= POSSIBLE_THRESHOLD for score, _ in pairs)
        above_match = sum(score >= MATCH_THRESHOLD for score, _ in pairs)
        print(
            f"  {relation:<28} {len(pairs):>6,}; highest {top}; highest the guard lets link {linkable}; "
            f">= possible {above_possible}, >= match {above_match}"
        )

    print("\nthreshold sweep (match / possible): match P R | match+possible P R | review queue")
    for match, possible in ((23, 14), (25, 14), (27, 14), (29, 14), (31, 14), (27, 10), (27, 12), (27, 16), (27, 18)):
        swept = index.run(incoming, match=match, possible=possible)
        p, r, ep, er = swept.figures()
        print(
            f"  {match:>4} / {possible:<4} {p:.4f} {r:.4f} | {ep:.4f} {er:.4f} | {swept.possibles / swept.records:6.1%}"
        )

    print("\nm / u per level: measured (u on random pairs) vs configured")
    for name, levels in measured_m_u(index, incoming, population.rng).items():
        cells = [
            f"{level} {m:.3f}/{u:.5f} ({M_U[name][Level(level)][0]}/{M_U[name][Level(level)][1]})"
            for level, (m, u) in levels.items()
        ]
        print(f"  {name:<10} " + "; ".join(cells))

    comparisons, hmacs = raw_rates(population.rng, [child.demographics.family_name or "" for child in children], vault)
    print(
        f"\nthroughput: {run.records / run.seconds:,.0f} records/s (blocking + scoring, one core, {run.seconds:.2f} s)"
    )
    print(f"raw, same run: rapidfuzz Jaro-Winkler {comparisons:,.0f} comparisons/s; HMAC-SHA256 {hmacs:,.0f}/s")


if __name__ == "__main__":
    main()
