"""config.py: defaults, reading ``feedpub.toml``, and one error per bad value that names its key."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from pathlib import Path

import pytest

from feedpub.config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_ENTRIES,
    MAX_ENTRIES,
    Config,
    ConfigError,
    DepartmentConfig,
    load_config,
    make_config,
)
from tests.conftest import within

SAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "feedpub.toml"


def write_toml(folder: Path, text: str, name: str = "feedpub.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ------------------------------------------------------------------------------


def test_defaults_make_a_valid_config() -> None:
    config = make_config({}, None)
    assert config.base_url == DEFAULT_BASE_URL == "http://localhost:8000/"
    assert config.tag_authority == "localhost"
    assert config.max_entries == DEFAULT_MAX_ENTRIES == 50
    assert config.email is None
    assert config.link_template is None
    assert config.departments == {}
    assert config.tag_prefix == "tag:localhost,2024-01-01:"
    # The dataclass defaults and the checked defaults agree.
    assert config == Config()


def test_load_config_without_file_uses_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == Config()


def test_load_config_reads_feedpub_toml_in_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_toml(tmp_path, 'base_url = "https://presse.example.de/feeds/"\nmax_entries = 7\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.base_url == "https://presse.example.de/feeds/"
    assert config.max_entries == 7
    assert config.tag_authority == "presse.example.de"


def test_errors_from_default_file_name_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(tmp_path, "max_entries = 0\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(None)
    assert str(info.value).startswith("feedpub.toml: max_entries: ")


def test_sample_config_of_the_repository_loads() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert config.base_url == "https://presse.example.de/feeds/"
    assert config.tag_prefix == "tag:presse.example.de,2024-01-01:"
    assert config.department("Jobcenter", "jobcenter").description is not None


# --- one bad value per row: the error names the key ------------------------------------------

#: (id, TOML text, key the error must name)
BAD_CASES: list[tuple[str, str, str]] = [
    ("unknown top key", 'titel = "x"\n', "titel"),
    (
        "unknown department key",
        '[departments.Jobcenter]\ntitel = "x"\n',
        "departments.Jobcenter.titel",
    ),
    ("base_url relative", 'base_url = "/feeds/"\n', "base_url"),
    ("base_url no scheme", 'base_url = "presse.example.de/feeds/"\n', "base_url"),
    ("base_url ftp", 'base_url = "ftp://presse.example.de/feeds/"\n', "base_url"),
    ("base_url query", 'base_url = "https://presse.example.de/feeds/?a=1"\n', "base_url"),
    ("base_url fragment", 'base_url = "https://presse.example.de/feeds/#top"\n', "base_url"),
    ("base_url empty query", 'base_url = "https://presse.example.de/feeds?"\n', "base_url"),
    ("base_url empty fragment", 'base_url = "https://presse.example.de/feeds#"\n', "base_url"),
    ("base_url not a string", "base_url = 8000\n", "base_url"),
    ("base_url empty", 'base_url = ""\n', "base_url"),
    ("base_url bad IPv6", 'base_url = "https://[::1/"\n', "base_url"),
    ("base_url with a space", 'base_url = "https://ex.de/a b/"\n', "base_url"),
    ("base_url port too big", 'base_url = "https://ex.de:99999/"\n', "base_url"),
    ("base_url password", 'base_url = "https://me:secret@ex.de/feeds/"\n', "base_url"),
    ("base_url user name", 'base_url = "https://me@ex.de/feeds/"\n', "base_url"),
    ("base_url password only", 'base_url = "https://:secret@ex.de/feeds/"\n', "base_url"),
    ("base_url empty user info", 'base_url = "https://@ex.de/feeds/"\n', "base_url"),
    ("title with a form feed", 'title = "A\\fB"\n', "title"),
    ("publisher with a control char", 'publisher = "X\\u0001Y"\n', "publisher"),
    ("description with DEL", 'description = "X\\u007fY"\n', "description"),
    (
        "department title with a control char",
        '[departments.Jobcenter]\ntitle = "J\\u0002C"\n',
        "departments.Jobcenter.title",
    ),
    (
        "link_template with a space",
        'link_template = "https://ex.de/{slug} {stem}"\n',
        "link_template",
    ),
    ("max_entries zero", "max_entries = 0\n", "max_entries"),
    ("max_entries negative", "max_entries = -1\n", "max_entries"),
    ("max_entries string", 'max_entries = "10"\n', "max_entries"),
    ("max_entries bool", "max_entries = true\n", "max_entries"),
    ("max_entries float", "max_entries = 10.0\n", "max_entries"),
    ("max_entries above the bound", "max_entries = 501\n", "max_entries"),
    ("max_entries 10000", "max_entries = 10000\n", "max_entries"),
    ("email without @", 'email = "pressestelle.example.de"\n', "email"),
    ("email empty", 'email = ""\n', "email"),
    ("email with space", 'email = "presse stelle@example.de"\n', "email"),
    ("link_template without stem", 'link_template = "https://x.example/{slug}"\n', "link_template"),
    (
        "link_template unknown field",
        'link_template = "https://x.example/{foo}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template positional",
        'link_template = "https://x.example/{}/{stem}"\n',
        "link_template",
    ),
    ("link_template unclosed", 'link_template = "https://x.example/{stem"\n', "link_template"),
    ("link_template attribute", 'link_template = "https://x.example/{stem.x}"\n', "link_template"),
    ("link_template relative", 'link_template = "/presse/{slug}/{stem}"\n', "link_template"),
    (
        "link_template index",
        'link_template = "https://x.example/{slug[5]}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template key",
        'link_template = "https://x.example/{slug[a]}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template dunder",
        'link_template = "https://x.example/{slug.__class__}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template padding",
        'link_template = "https://x.example/{slug:>300000000}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template format",
        'link_template = "https://x.example/{slug:s}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template conversion",
        'link_template = "https://x.example/{slug!s}/{stem}"\n',
        "link_template",
    ),
    (
        "link_template nested",
        'link_template = "https://x.example/{slug:{slug}}/{stem}"\n',
        "link_template",
    ),
    ("link_template number", 'link_template = "https://x.example/{0}/{stem}"\n', "link_template"),
    ("link_template lone brace", 'link_template = "https://x.example/}{stem}"\n', "link_template"),
    (
        "link_template stem only as literal braces",
        'link_template = "https://x.example/{slug}/{{stem}}"\n',
        "link_template",
    ),
    (
        "link_template password",
        'link_template = "https://me:secret@x.example/{stem}"\n',
        "link_template",
    ),
    ("link_template user name", 'link_template = "https://me@x.example/{stem}"\n', "link_template"),
    (
        "link_template field as user name",
        'link_template = "https://{slug}@x.example/{stem}"\n',
        "link_template",
    ),
    ("link_template mailto", 'link_template = "mailto:{stem}@x.example"\n', "link_template"),
    ("tag_authority spaces", 'tag_authority = "presse example.de"\n', "tag_authority"),
    ("tag_authority url", 'tag_authority = "https://presse.example.de/"\n', "tag_authority"),
    ("tag_authority empty", 'tag_authority = ""\n', "tag_authority"),
    ("tag_date words", 'tag_date = "July 2024"\n', "tag_date"),
    ("tag_date german", 'tag_date = "01.07.2024"\n', "tag_date"),
    ("tag_date month 13", 'tag_date = "2024-13-01"\n', "tag_date"),
    ("tag_date 30 February", 'tag_date = "2024-02-30"\n', "tag_date"),
    ("tag_date month 00", 'tag_date = "2024-00"\n', "tag_date"),
    ("tag_date integer", "tag_date = 2024\n", "tag_date"),
    ("tag_date datetime", "tag_date = 2024-01-01T10:00:00\n", "tag_date"),
    ("departments not a table", 'departments = "Jobcenter"\n', "departments"),
    ("department not a table", '[departments]\nJobcenter = "x"\n', "departments.Jobcenter"),
    (
        "department title empty",
        '[departments.Jobcenter]\ntitle = ""\n',
        "departments.Jobcenter.title",
    ),
    (
        "department description number",
        "[departments.Jobcenter]\ndescription = 3\n",
        "departments.Jobcenter.description",
    ),
    ("title empty", 'title = ""\n', "title"),
    ("title blank", 'title = "   "\n', "title"),
    ("description not a string", "description = [1]\n", "description"),
    ("publisher empty", 'publisher = ""\n', "publisher"),
    ("websub_hub relative", 'websub_hub = "/hub"\n', "websub_hub"),
    ("websub_hub no scheme", 'websub_hub = "pubsubhubbub.appspot.com"\n', "websub_hub"),
    ("websub_hub ftp", 'websub_hub = "ftp://hub.example/"\n', "websub_hub"),
    ("websub_hub mailto", 'websub_hub = "mailto:hub@example.org"\n', "websub_hub"),
    ("websub_hub fragment", 'websub_hub = "https://hub.example/#top"\n', "websub_hub"),
    ("websub_hub empty fragment", 'websub_hub = "https://hub.example/#"\n', "websub_hub"),
    ("websub_hub password", 'websub_hub = "https://me:secret@hub.example/"\n', "websub_hub"),
    ("websub_hub user name", 'websub_hub = "https://me@hub.example/"\n', "websub_hub"),
    ("websub_hub empty user info", 'websub_hub = "https://@hub.example/"\n', "websub_hub"),
    ("websub_hub with a space", 'websub_hub = "https://hub.example/a b"\n', "websub_hub"),
    ("websub_hub port too big", 'websub_hub = "https://hub.example:70000/"\n', "websub_hub"),
    ("websub_hub bad IPv6", 'websub_hub = "https://[::1/hub"\n', "websub_hub"),
    ("websub_hub not ASCII", 'websub_hub = "https://hüb.example/"\n', "websub_hub"),
    ("websub_hub empty", 'websub_hub = ""\n', "websub_hub"),
    ("websub_hub not a string", "websub_hub = true\n", "websub_hub"),
    ("websub_hub control char", 'websub_hub = "https://hub.example/\\u0007"\n', "websub_hub"),
]
assert len({case[0] for case in BAD_CASES}) == len(BAD_CASES), "duplicate case id"
assert len({case[1] for case in BAD_CASES}) == len(BAD_CASES), "duplicate case text"


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_value_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write_toml(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: {key}: ")
    assert info.value.reason  # says what is wrong, not only where


def test_error_without_file_names_only_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        make_config({"max_entries": 0}, None)
    assert str(info.value).startswith("max_entries: must be a whole number")


def test_unknown_key_lists_known_keys() -> None:
    with pytest.raises(ConfigError) as info:
        make_config({"base_ur": "https://x.example/"}, None)
    assert "base_url" in info.value.reason


# --- values that are fine ------------------------------------------------------------------

#: (id, TOML text, attribute, expected value)
GOOD_CASES: list[tuple[str, str, str, object]] = [
    (
        "trailing slash added",
        'base_url = "https://presse.example.de/feeds"\n',
        "base_url",
        "https://presse.example.de/feeds/",
    ),
    (
        "slash kept",
        'base_url = "https://presse.example.de/"\n',
        "base_url",
        "https://presse.example.de/",
    ),
    (
        "base_url stripped",
        'base_url = "  https://presse.example.de  "\n',
        "base_url",
        "https://presse.example.de/",
    ),
    (
        "authority from host",
        'base_url = "https://presse.example.de/feeds"\n',
        "tag_authority",
        "presse.example.de",
    ),
    (
        "authority without port",
        'base_url = "http://presse.example.de:8080/"\n',
        "tag_authority",
        "presse.example.de",
    ),
    (
        "authority lower case",
        'base_url = "https://Presse.Example.DE/"\n',
        "tag_authority",
        "presse.example.de",
    ),
    (
        "authority set",
        'tag_authority = "landkreis.example"\n',
        "tag_authority",
        "landkreis.example",
    ),
    (
        "authority e-mail",
        'tag_authority = "presse@landkreis.example"\n',
        "tag_authority",
        "presse@landkreis.example",
    ),
    ("max_entries 1", "max_entries = 1\n", "max_entries", 1),
    ("max_entries 500", "max_entries = 500\n", "max_entries", 500),
    ("email", 'email = "presse@landkreis.example"\n', "email", "presse@landkreis.example"),
    ("tag_date string", 'tag_date = "2023-05-17"\n', "tag_date", "2023-05-17"),
    ("tag_date year", 'tag_date = "2023"\n', "tag_date", "2023"),
    ("tag_date month", 'tag_date = "2023-05"\n', "tag_date", "2023-05"),
    ("tag_date TOML date", "tag_date = 2023-05-17\n", "tag_date", "2023-05-17"),
    ("tag_date leap day", 'tag_date = "2024-02-29"\n', "tag_date", "2024-02-29"),
    (
        "link_template",
        'link_template = "https://www.x.example/presse/{slug}/{stem}"\n',
        "link_template",
        "https://www.x.example/presse/{slug}/{stem}",
    ),
    (
        "link_template stem only",
        'link_template = "https://x.example/p/{stem}.html"\n',
        "link_template",
        "https://x.example/p/{stem}.html",
    ),
    (
        "link_template literal braces",
        'link_template = "https://x.example/{{p}}/{slug}/{stem}"\n',
        "link_template",
        "https://x.example/{{p}}/{slug}/{stem}",
    ),
    (
        "base_url with @ in the path",
        'base_url = "https://presse.example.de/@presse/"\n',
        "base_url",
        "https://presse.example.de/@presse/",
    ),
    ("title stripped", 'title = "  Presse  "\n', "title", "Presse"),
    ("no websub_hub", 'title = "Presse"\n', "websub_hub", None),
    (
        "websub_hub",
        'websub_hub = "https://pubsubhubbub.appspot.com/"\n',
        "websub_hub",
        "https://pubsubhubbub.appspot.com/",
    ),
    (
        "websub_hub bare host gets its slash",
        'websub_hub = " https://pubsubhubbub.appspot.com "\n',
        "websub_hub",
        "https://pubsubhubbub.appspot.com/",
    ),
    (
        "websub_hub path kept as written",
        'websub_hub = "https://websub.rocks/blog/100/abc/hub"\n',
        "websub_hub",
        "https://websub.rocks/blog/100/abc/hub",
    ),
    (
        "websub_hub query kept",
        'websub_hub = "https://hub.example?site=presse"\n',
        "websub_hub",
        "https://hub.example/?site=presse",
    ),
    (
        "websub_hub http with port",
        'websub_hub = "http://127.0.0.1:8080/hub"\n',
        "websub_hub",
        "http://127.0.0.1:8080/hub",
    ),
]
assert len({case[0] for case in GOOD_CASES}) == len(GOOD_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("text", "attribute", "expected"), [c[1:] for c in GOOD_CASES], ids=[c[0] for c in GOOD_CASES]
)
def test_good_value(tmp_path: Path, text: str, attribute: str, expected: object) -> None:
    config = load_config(write_toml(tmp_path, text))
    assert getattr(config, attribute) == expected


def test_date_object_tag_date() -> None:
    assert make_config({"tag_date": dt.date(2023, 5, 17)}, None).tag_date == "2023-05-17"


def test_tag_prefix_format() -> None:
    config = make_config(
        {"base_url": "https://presse.example.de/feeds/", "tag_date": "2024-01-01"}, None
    )
    assert config.tag_prefix == "tag:presse.example.de,2024-01-01:"


# --- file problems name the file -----------------------------------------------------------


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'title = "unterminated\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == path
    assert info.value.key is None
    assert str(info.value).startswith(f"{path}: not valid TOML")


def test_non_utf8_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feedpub.toml"
    path.write_bytes('title = "Straßenverkehrsamt"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: not valid TOML")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nicht-da.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: file not found"


def test_folder_instead_of_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: not a regular file"


# --- departments ---------------------------------------------------------------------------

DEPARTMENTS_TOML = """
[departments.Jobcenter]
title = "Jobcenter Musterland"

[departments.amt-fuer-bau-und-planung]
description = "Bauen und Planen"

[departments."Straßenverkehrsamt"]
title = "  Verkehr  "
"""


def test_department_lookup_by_folder_name_or_slug(tmp_path: Path) -> None:
    config = load_config(write_toml(tmp_path, DEPARTMENTS_TOML))
    assert config.department("Jobcenter", "jobcenter").title == "Jobcenter Musterland"
    by_slug = config.department("Amt für Bau und Planung", "amt-fuer-bau-und-planung")
    assert by_slug == DepartmentConfig(title=None, description="Bauen und Planen")
    assert config.department("Straßenverkehrsamt", "strassenverkehrsamt").title == "Verkehr"
    assert config.department("Gesundheitsamt", "gesundheitsamt") == DepartmentConfig()


def test_folder_name_wins_over_slug() -> None:
    config = make_config(
        {"departments": {"Jobcenter": {"title": "A"}, "jobcenter": {"title": "B"}}}, None
    )
    assert config.department("Jobcenter", "jobcenter").title == "A"


def test_department_key_in_nfd_matches_nfc_folder_name() -> None:
    # discover.py gives NFC names; a key pasted from a macOS folder name is NFD.
    nfd = unicodedata.normalize("NFD", "Amt für Bau und Planung")
    config = make_config({"departments": {nfd: {"title": "Bauamt"}}}, None)
    assert config.department("Amt für Bau und Planung", "amt-fuer-bau-und-planung").title == (
        "Bauamt"
    )


def test_a_fifo_as_config_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "feedpub.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)  # would block for ever if it were opened


def test_a_fifo_put_in_place_of_the_config_after_a_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checking the path and then opening it is a race: what is opened must be checked.
    fifo = tmp_path / "feedpub.toml"
    os.mkfifo(fifo)
    monkeypatch.setattr(Path, "is_file", lambda self: True)  # a regular file when looked at
    with within(5), pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)


def test_a_config_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "feedpub.toml"
    path.write_text(f"title = {'x' * 60_000!r}\n", "utf-8")
    assert load_config(path).title == "x" * 60_000


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feedpub.toml"
    path.write_text("# " + "x" * 70_000 + "\n", "utf-8")
    with pytest.raises(ConfigError, match="larger than 64 KiB"):
        load_config(path)


def test_max_entries_bound_is_the_documented_one() -> None:
    """The bound in the README's configuration table is the one the code enforces."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `max_entries`"))
    assert f"1–{MAX_ENTRIES}" in row
    assert make_config({"max_entries": MAX_ENTRIES}, None).max_entries == MAX_ENTRIES
    with pytest.raises(ConfigError) as info:
        make_config({"max_entries": MAX_ENTRIES + 1}, None)
    assert f"1–{MAX_ENTRIES}" in info.value.reason


def test_link_template_error_is_short_and_names_the_field() -> None:
    """A format spec asking for 300 million characters of padding: refused at once, with the
    field in the message (the build used to allocate gigabytes and print 300 MB)."""
    with pytest.raises(ConfigError) as info:
        make_config({"link_template": "https://x.example/{slug:>300000000}/{stem}"}, None)
    assert info.value.key == "link_template"
    assert "{slug:>300000000}" in info.value.reason
    assert len(str(info.value)) < 300
