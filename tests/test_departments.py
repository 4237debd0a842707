"""departments.py: feed order, the newest ``max_entries`` per feed, and bounded memory."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedpub.departments import Selection, _Newest, order_key
from feedpub.release import CorrectionNotice, Release, make_id, slugify

BERLIN = ZoneInfo("Europe/Berlin")
PREFIX = "tag:presse.example.de,2024-01-01:"
START = datetime(2024, 1, 1, tzinfo=BERLIN)


def make_release(department: str, stem: str, published: datetime) -> Release:
    slug = slugify(department)
    return Release(
        source=Path("releases", department, f"{stem}.txt"),
        department=department,
        slug=slug,
        stem=stem,
        id=make_id(PREFIX, slug, stem),
        published=published,
        has_time=True,
        title=f"Titel {stem}",
    )


def stems(releases: list[Release]) -> list[str]:
    return [r.stem for r in releases]


def test_order_newest_first_then_by_id() -> None:
    day = datetime(2024, 7, 10, tzinfo=BERLIN)
    releases = [
        make_release("Jobcenter", "b", day),
        make_release("Jobcenter", "old", day - timedelta(days=1)),
        make_release("Jobcenter", "new", day + timedelta(minutes=1)),
        make_release("Jobcenter", "a", day),
        make_release("Gesundheitsamt", "z", day),  # "gesundheitsamt/z" < "jobcenter/a"
    ]
    selection = Selection(10)
    for release in releases:
        selection.add(release)
    assert stems(selection.newest()) == ["new", "z", "a", "b", "old"]
    assert stems(selection.newest("jobcenter")) == ["new", "a", "b", "old"]
    assert sorted(releases, key=order_key) == selection.newest()


def test_same_instant_in_other_zone_ties_by_id() -> None:
    # 09:00 Berlin summer time is 07:00 UTC: the same moment, so the id decides.
    berlin = make_release("Jobcenter", "b", datetime(2024, 7, 10, 9, tzinfo=BERLIN))
    utc = make_release("Jobcenter", "a", datetime(2024, 7, 10, 7, tzinfo=ZoneInfo("UTC")))
    assert sorted([berlin, utc], key=order_key) == [utc, berlin]


def test_order_is_independent_of_insertion_order() -> None:
    releases = [
        make_release(dept, f"{dept[:3]}-{n}", START + timedelta(hours=n % 7))
        for n in range(60)
        for dept in ("Jobcenter", "Gesundheitsamt")
    ]
    results = []
    for seed in range(3):
        shuffled = releases[:]
        random.Random(seed).shuffle(shuffled)
        selection = Selection(25)
        for release in shuffled:
            selection.add(release)
        results.append((selection.newest(), selection.newest("jobcenter")))
    assert results[0] == results[1] == results[2]
    assert results[0][0] == sorted(releases, key=order_key)[:25]


def test_selection_keeps_max_entries_per_department_and_overall() -> None:
    selection = Selection(3)
    for n in range(10):
        selection.add(make_release("Jobcenter", f"j{n}", START + timedelta(days=n)))
    for n in range(2):
        selection.add(make_release("Gesundheitsamt", f"g{n}", START + timedelta(days=n, hours=1)))
    assert stems(selection.newest("jobcenter")) == ["j9", "j8", "j7"]
    assert stems(selection.newest("gesundheitsamt")) == ["g1", "g0"]
    assert stems(selection.newest()) == ["j9", "j8", "j7"]
    # Counts are of every release added, not of the kept ones.
    assert selection.count("jobcenter") == 10
    assert selection.count("gesundheitsamt") == 2
    assert selection.count() == 12
    # Asking twice gives the same answer.
    assert stems(selection.newest("jobcenter")) == ["j9", "j8", "j7"]


def test_slugs_sorted_and_names_kept() -> None:
    selection = Selection(5)
    for department in ("Straßenverkehrsamt", "Amt für Bau und Planung", "Jobcenter"):
        selection.add(make_release(department, "x", START))
    assert selection.slugs() == ["amt-fuer-bau-und-planung", "jobcenter", "strassenverkehrsamt"]
    assert selection.name("strassenverkehrsamt") == "Straßenverkehrsamt"
    assert selection.name("amt-fuer-bau-und-planung") == "Amt für Bau und Planung"


def test_empty_selection() -> None:
    selection = Selection(5)
    assert selection.slugs() == []
    assert selection.newest() == []
    assert selection.count() == 0


@pytest.mark.parametrize("limit", [1, 5])
def test_memory_stays_bounded(limit: int) -> None:
    # 10,000 releases, oldest first (the worst case: every new one is among the newest).
    bound = 2 * limit + 64
    group = _Newest(limit)
    selection = Selection(limit)
    largest = 0
    for n in range(10_000):
        release = make_release("Jobcenter", f"r{n:05d}", START + timedelta(minutes=n))
        group.add(release)
        selection.add(release)
        largest = max(largest, len(group.items), len(selection._all.items))
        assert len(group.items) < bound
    assert largest < bound
    assert max(len(g.items) for g in selection._by_slug.values()) < bound
    expected = [f"r{n:05d}" for n in range(9_999, 9_999 - limit, -1)]
    assert stems(group.newest()) == expected
    assert stems(selection.newest("jobcenter")) == expected
    assert group.count == 10_000


def test_merging_two_selections_equals_adding_everything_to_one() -> None:
    releases = [
        make_release(department, f"{i:03d}", datetime(2024, 1, 1 + i % 28, i % 24, tzinfo=BERLIN))
        for i in range(120)
        for department in ("Jobcenter", "Gesundheitsamt")
    ]
    whole = Selection(5)
    left, right = Selection(5), Selection(5)
    for index, release in enumerate(releases):
        whole.add(release)
        (left if index < 97 else right).add(release)
    left.merge(right)
    assert left.slugs() == whole.slugs()
    for slug in [None, *whole.slugs()]:
        assert left.newest(slug) == whole.newest(slug)
        assert left.count(slug) == whole.count(slug)


def test_notices_take_places_in_the_feeds_but_not_in_the_lists_or_counts() -> None:
    selection = Selection(2)
    base = datetime(2026, 11, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    for day, stem in ((1, "a"), (2, "b"), (3, "c")):
        selection.add(make_release("Jobcenter", stem, base + timedelta(days=day)))
    selection.add(make_release("Bauamt", "x", base))
    old = make_release("Jobcenter", "a", base + timedelta(days=1))
    notice = CorrectionNotice(
        **{f: getattr(old, f) for f in ("source", "department", "slug", "stem", "has_time")},
        id=old.id + "/korrektur-1",
        published=base + timedelta(days=5),
        title="Korrektur: a",
        corrects=old.id,
    )
    selection.add_notice(notice)
    assert [e.id for e in selection.newest("jobcenter")] == [notice.id, make_release(
        "Jobcenter", "c", base).id]  # fmt: skip
    assert stems(selection.releases("jobcenter")) == ["c", "b"]
    assert stems(selection.newest("bauamt")) == ["x"]  # another department's notice
    assert [e.id for e in selection.newest()][0] == notice.id
    assert (selection.count("jobcenter"), selection.count()) == (3, 4)
    other = Selection(2)
    other.merge(selection)
    assert [e.id for e in other.newest()] == [e.id for e in selection.newest()]
