"""A synthetic population of children for measuring person matching: households in English postcode
districts, siblings sharing a surname and address, twins, and agencies' records of them with the errors real
records carry. Seeded: the same seed gives the same population.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pathfinder.identity.persons.domain.demographics import Demographics, Sex


def _words(text: str) -> list[str]:
    return text.split()


GIRLS = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy "
    "Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper Matilda Ruby Emilia Maya Millie "
    "Isabelle Eva Chloe Jessica Lucy Hannah Megan Holly Ellie Katie Amy Lauren Bethany Zara Aisha Fatima "
    "Maryam Amira Zainab Layla Aria Esme Thea Harriet Imogen Scarlett Georgia Abigail Niamh Siobhan Aoife "
    "Zofia Maja Leah Rebecca Caitlin Courtney Paige Jade Molly Erin Eleanor Elizabeth Victoria Anna Heidi "
    "Beatrice Ada Orla Nancy Margot Mabel Iris Violet Aurora Ayla Hallie Zoë Chloé Renée"
)
BOYS = _words(
    "Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry Thomas Freddie Alfie Theo "
    "William Theodore Archie Joshua Alexander James Isaac Edward Lucas Tommy Finley Max Logan Ethan Mohammed "
    "Teddy Benjamin Arlo Joseph Sebastian Harrison Elijah Adam Daniel Samuel Louie Mason Reuben Albie Rory "
    "Jaxon Hugo Luca Zachary Reggie Hunter Louis Dylan Albert David Jude Frankie Roman Ezra Toby Riley Carter "
    "Ronnie Frederick Gabriel Stanley Bobby Jesse Michael Elliot Grayson Mohammad Liam Jenson Ellis Harley "
    "Harvey Jayden Jake Matthew Ryan Connor Callum Kieran Lewis Nathan Luke Ibrahim Yusuf Ali Omar Jakub "
    "Kacper Szymon Aarav Arjun Dominic Patrick Sean Ciaran"
)
SURNAMES = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker "
    "Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy "
    "Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman "
    "Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight "
    "Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher "
    "Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West "
    "Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant "
    "Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh "
    "Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Reed Kennedy "
    "Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson "
    "Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson "
    "Curtis Hopkins O'Connor Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter "
    "Osborne Johnston Gordon Doyle Wallace Jordan Hutchinson Rowe Burke Pritchard Gilbert Willis Higgins Miles "
    "Stevenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost "
    "Lambert Blake Akhtar Lynch Goodwin Barton Woodward Quinn Barnett Baxter Bibi Clayton Nowak Kowalski "
    "Wiśniewski Okafor Adeyemi Mensah Nguyen Chen Kaya Yilmaz Rahman Islam Uddin Miah"
)
# The long tail of rarer surnames, made from common English surname parts.
_HEADS = "Ash Brad Brook Cal Dal Fair Green Hal Hol Kings Lang Mar Mid Mor Nor Pen Red Rush Shel Stan Sut Thorn War Wey"
_TAILS = "by croft dale field ford ham hurst ley more ridge stead ton well wick wood worth"
RARE_SURNAMES = [head + tail for head in _words(_HEADS) for tail in _words(_TAILS)]
AREAS = {"DL": range(1, 18), "TS": range(1, 29), "EX": range(1, 40), "PL": range(1, 32), "TQ": range(1, 15)}
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _zipf_weights(count: int, exponent: float) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


@dataclass(frozen=True)
class Child:
    person_id: int
    household: int
    demographics: Demographics
    twin_of: int | None = None


class Population:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._girl_weights = _zipf_weights(len(GIRLS), 0.8)
        self._boy_weights = _zipf_weights(len(BOYS), 0.8)
        self._surname_weights = _zipf_weights(len(SURNAMES), 0.9)
        self._districts = [f"{area}{number}" for area, numbers in AREAS.items() for number in numbers]
        self._next_id = 0
        self._first_names: dict[int, set[str]] = {}
        self.household_count = 0

    def postcode(self, district: str | None = None) -> str:
        rng = self.rng
        unit = "".join(rng.choice(UNIT_LETTERS[:8]) for _ in range(2))  # about 64 units a sector: neighbours exist
        return f"{district or rng.choice(self._districts)} {rng.randint(0, 9)}{unit}"

    def surname(self) -> str:
        rng = self.rng
        name = rng.choice(RARE_SURNAMES) if rng.random() < 0.2 else rng.choices(SURNAMES, self._surname_weights)[0]
        if rng.random() < 0.04:  # double-barrelled
            name = f"{name}-{rng.choices(SURNAMES, self._surname_weights)[0]}"
        return name

    def forenames(self, sex: Sex, avoid: set[str]) -> tuple[str, ...]:
        """One or two forenames; parents do not give two of their children the same first name."""
        names, weights = (GIRLS, self._girl_weights) if sex is Sex.FEMALE else (BOYS, self._boy_weights)
        while True:
            chosen = self.rng.choices(names, weights, k=2)
            if chosen[0] not in avoid:
                break
        return tuple(chosen) if self.rng.random() < 0.5 and chosen[0] != chosen[1] else tuple(chosen[:1])

    def _child(self, household: int, surname: str, born: date, postcode: str, twin_of: int | None = None) -> Child:
        sex = Sex.FEMALE if self.rng.random() < 0.49 else Sex.MALE
        self._next_id += 1
        names = self._first_names.setdefault(household, set())
        given = self.forenames(sex, names)
        names.add(given[0])
        return Child(self._next_id, household, Demographics(given, surname, born, sex, postcode), twin_of)

    def households(self, children: int) -> list[Child]:
        """At least ``children`` children in households of one to four, about 1.6 % of births twins."""
        rng, made = self.rng, list[Child]()
        while len(made) < children:
            self.household_count += 1
            household = self.household_count
            surname, postcode = self.surname(), self.postcode()
            born = date(2000, 1, 1) + timedelta(days=rng.randint(0, 9300))
            for _ in range(rng.choices((1, 2, 3, 4), (45, 35, 15, 5))[0]):
                if born > date(2025, 9, 1):
                    break
                child = self._child(household, surname if rng.random() < 0.92 else self.surname(), born, postcode)
                made.append(child)
                if rng.random() < 0.016:
                    made.append(
                        self._child(
                            household, child.demographics.family_name or surname, born, postcode, child.person_id
                        )
                    )
                born += timedelta(days=rng.randint(330, 2500))
        return made

    def sibling_of(self, child: Child, *, twin: bool) -> Child:
        """A child of the same household not yet in the index: a later sibling, or a twin."""
        d = child.demographics
        assert d.birth_date is not None and d.family_name is not None and d.postcode is not None
        born = d.birth_date if twin else d.birth_date + timedelta(days=self.rng.randint(330, 2000))
        return self._child(
            child.household, d.family_name, min(born, date(2025, 9, 1)), d.postcode, child.person_id if twin else None
        )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    edit = rng.randrange(4)
    if edit == 0:
        return word[:at] + letter + word[at + 1 :]
    if edit == 1:
        return word[:at] + letter + word[at:]
    if edit == 2:
        return word[:at] + word[at + 1 :]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


def agency_record(population: Population, child: Child, *, clean: bool = False) -> Demographics:
    """``child`` as another agency recorded them: typos, forms of names, date and address errors, moves."""
    rng, d = population.rng, child.demographics
    assert d.birth_date is not None and d.family_name is not None and d.postcode is not None
    given, family, born, sex, postcode = list(d.given_names), d.family_name, d.birth_date, d.sex, d.postcode
    if clean:
        return d
    if len(given) > 1 and rng.random() < 0.35:
        given = given[:1]
    if len(given) > 1 and rng.random() < 0.08:
        given.reverse()
    if rng.random() < 0.08:
        given[0] = _typo(rng, given[0])
    if rng.random() < 0.03 and len(given[0]) >= 6:
        given[0] = given[0][: rng.choice((3, 4))]
    if rng.random() < 0.01:
        given = []
    if "-" in family and rng.random() < 0.5:
        family = rng.choice((family.replace("-", " "), family.split("-")[rng.randrange(2)]))
    if rng.random() < 0.08:
        family = _typo(rng, family)
    if rng.random() < 0.05:
        family = family.upper() if rng.random() < 0.5 else family.replace("'", "")
    if rng.random() < 0.02 and born.day <= 12:
        born = date(born.year, born.day, born.month)
    elif rng.random() < 0.02:
        slips = [born + timedelta(days=days) for days in (-10, 10, 1, -1)]
        if (born.month, born.day) != (2, 29):
            slips.append(born.replace(year=born.year - 1))
        born = rng.choice(slips)
    roll = rng.random()
    if roll < 0.12:
        district = postcode.split()[0] if rng.random() < 0.6 else None
        postcode = population.postcode(district)
    elif roll < 0.15:
        postcode = postcode[:-1] + rng.choice(UNIT_LETTERS)
    kept_postcode: str | None = postcode
    if rng.random() < 0.05:
        kept_postcode = None
    elif rng.random() < 0.3:
        kept_postcode = postcode.replace(" ", "").lower()
    kept_sex: Sex | None = sex
    if rng.random() < 0.05:
        kept_sex = rng.choice((None, Sex.UNKNOWN))
    elif rng.random() < 0.005:
        kept_sex = Sex.MALE if sex is Sex.FEMALE else Sex.FEMALE
    return replace(
        d, given_names=tuple(given), family_name=family, birth_date=born, sex=kept_sex, postcode=kept_postcode
    )
