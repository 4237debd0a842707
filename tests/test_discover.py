"""discover.py: which files under ``releases/`` count, their department, and what is refused."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from feedpub.discover import find_releases, is_ignored
from feedpub.release import image_files


def touch(path: Path, text: str = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


#: (name, ignored?) for a single directory entry.
IGNORE_CASES: list[tuple[str, bool]] = [
    ("2024-07-10-jobmesse.txt", False),
    ("UPPER.TXT", False),
    ("Jobcenter", False),
    (".hidden.txt", True),
    (".git", True),
    ("x.txt~", True),
    (".x.txt.swp", True),
    ("x.swp", True),
    ("x.swo", True),
    (".#x.txt", True),
    ("#x.txt#", True),
    ("~$x.txt", True),
    ("x.txt.bak", True),
    ("x.txt.tmp", True),
]
assert len({name for name, _ in IGNORE_CASES}) == len(IGNORE_CASES), "duplicate case"


@pytest.mark.parametrize(("name", "ignored"), IGNORE_CASES)
def test_is_ignored(name: str, ignored: bool) -> None:
    assert is_ignored(name) is ignored


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A releases folder with every kind of entry; see the expectations below."""
    root = tmp_path / "releases"
    a = root / "Jobcenter"
    touch(a / "2024-01-01-a.txt")
    touch(a / "UPPER.TXT")
    touch(a / "2024" / "nested.txt")  # year folder: department is still the top folder
    touch(root / "Gesundheitsamt" / "b.txt")
    # Not ours: hidden, backups, other types.
    touch(a / ".hidden.txt")
    touch(root / ".hidden" / "x.txt")
    touch(a / ".git" / "x.txt")
    touch(a / "x.txt~")
    touch(a / ".x.swp")
    touch(a / ".#x.txt")
    touch(a / "#x.txt#")
    touch(a / "notes.md")
    touch(a / "Bild.jpg")
    touch(root / ".DS_Store")
    # Refused.
    touch(root / "top.txt")
    outside = touch(tmp_path / "outside.txt")
    (a / "outside.txt").symlink_to(outside)
    (a / "dangling.txt").symlink_to(a / "nowhere.txt")
    (a / "self.txt").symlink_to("self.txt")
    (a / "loop").symlink_to("..")  # a folder symlink to its parent's parent
    (a / "2024" / "back").symlink_to("..")  # a folder symlink to its parent
    # Followed: a symlink that stays inside.
    (a / "link.txt").symlink_to(a / "2024" / "nested.txt")
    return root


def test_found_files_sorted_by_relative_path(tree: Path) -> None:
    found, _ = find_releases(tree)
    assert [c.relative for c in found] == [
        "Gesundheitsamt/b.txt",
        "Jobcenter/2024-01-01-a.txt",
        "Jobcenter/2024/nested.txt",
        "Jobcenter/UPPER.TXT",
        "Jobcenter/link.txt",
    ]
    assert [c.department for c in found] == ["Gesundheitsamt"] + ["Jobcenter"] * 4
    for candidate in found:
        assert candidate.source == tree / candidate.relative
        assert candidate.source.is_file()


def test_refused_entries_with_reasons(tree: Path) -> None:
    _, errors = find_releases(tree)
    a = tree / "Jobcenter"
    reasons = {e.path: e.reason for e in errors}
    assert set(reasons) == {
        a / "2024" / "back",
        a / "dangling.txt",
        a / "loop",
        a / "outside.txt",
        a / "self.txt",
        tree / "top.txt",
    }
    assert reasons[tree / "top.txt"].startswith("release is not in a department folder")
    assert reasons[a / "outside.txt"].startswith("symlink points outside the releases folder")
    assert reasons[a / "dangling.txt"] == "symlink is broken; remove it"
    assert reasons[a / "self.txt"] == "symlink loops; remove it"
    assert reasons[a / "loop"] == "symlink loops back to a parent folder"
    assert reasons[a / "2024" / "back"] == "symlink loops back to a parent folder"
    # A file's error names its line 1 (the file as a whole); a folder's names no line.
    folders = {a / "loop", a / "2024" / "back"}
    assert all((e.line is None) == (e.path in folders) for e in errors)
    assert all(e.line in (None, 1) for e in errors)
    assert [str(e.path) for e in errors] == sorted(str(e.path) for e in errors)


def test_error_message_is_path_and_reason(tmp_path: Path) -> None:
    touch(tmp_path / "top.txt")
    _, errors = find_releases(tmp_path)
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'top.txt'}:1: release is not in a department folder; "
        "move it to releases/<Fachdienst>/"
    ]


def test_symlinked_department_folder_inside_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "releases"
    touch(root / "Archiv" / "Jobcenter" / "a.txt")
    (root / "Jobcenter").symlink_to(root / "Archiv" / "Jobcenter")
    found, errors = find_releases(root)
    assert errors == []
    assert [(c.relative, c.department) for c in found] == [
        ("Archiv/Jobcenter/a.txt", "Archiv"),
        ("Jobcenter/a.txt", "Jobcenter"),
    ]


def test_symlinked_folder_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "releases"
    touch(tmp_path / "elsewhere" / "a.txt")
    root.mkdir()
    (root / "Jobcenter").symlink_to(tmp_path / "elsewhere")
    found, errors = find_releases(root)
    assert found == []
    assert [e.reason.split(";")[0] for e in errors] == [
        "symlink points outside the releases folder"
    ]


def test_root_symlink_to_itself_does_not_recurse_forever(tmp_path: Path) -> None:
    root = tmp_path / "releases"
    touch(root / "Jobcenter" / "a.txt")
    (root / "Jobcenter" / "root").symlink_to(root)
    (root / "alias").symlink_to(".")
    found, errors = find_releases(root)
    assert [c.relative for c in found] == ["Jobcenter/a.txt"]
    assert {e.path.name for e in errors} == {"root", "alias"}


def test_a_loop_through_two_symlinked_folders_is_found(tmp_path: Path) -> None:
    # A/B leads to C, and C/D back to A: A's real path is no prefix of C's, so only the set
    # of the parents' real paths sees the loop.
    root = tmp_path / "releases"
    touch(root / "A" / "a.txt")
    (root / "C").mkdir()
    (root / "A" / "B").symlink_to(root / "C")
    (root / "C" / "D").symlink_to(root / "A")
    found, errors = find_releases(root)
    assert [c.relative for c in found] == ["A/a.txt", "C/D/a.txt"]
    assert sorted(str(e.path.relative_to(root)) for e in errors) == ["A/B/D", "C/D/B"]
    assert {e.reason for e in errors} == {"symlink loops back to a parent folder"}


def test_fifo_named_txt_is_refused_not_read(tmp_path: Path) -> None:
    # Reading a FIFO blocks forever: it must never become a candidate.
    fifo = tmp_path / "Jobcenter" / "pipe.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    found, errors = find_releases(tmp_path)
    assert found == []
    assert [(e.path, e.reason) for e in errors] == [(fifo, "not a regular file; remove it")]


def test_nfd_department_name_becomes_nfc(tmp_path: Path) -> None:
    name = "Amt für Bau und Planung"
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != name
    path = touch(tmp_path / nfd / "Bücher.txt".replace("ü", "u\u0308"))
    found, errors = find_releases(tmp_path)
    assert errors == []
    [candidate] = found
    assert candidate.department == name
    assert candidate.relative == f"{name}/Bücher.txt"
    assert candidate.source == path  # the real name on disk, so it can still be opened
    assert candidate.source.exists()


def test_unlistable_folder_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path / "Jobcenter" / "a.txt")
    touch(tmp_path / "Gesperrt" / "b.txt")
    real_scandir = os.scandir

    def scandir(path: Path) -> object:
        if Path(path).name == "Gesperrt":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, errors = find_releases(tmp_path)
    assert [c.relative for c in found] == ["Jobcenter/a.txt"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'Gesperrt'}: cannot list folder: Permission denied"
    ]


def test_relative_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "releases" / "Jobcenter" / "a.txt")
    monkeypatch.chdir(tmp_path)
    found, errors = find_releases(Path("releases"))
    assert errors == []
    assert [c.source for c in found] == [Path("releases/Jobcenter/a.txt")]


def test_empty_root(tmp_path: Path) -> None:
    assert find_releases(tmp_path) == ([], [])


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        find_releases(tmp_path / "releases")


def test_root_is_a_file(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        find_releases(touch(tmp_path / "releases"))


# --- pictures beside a release -------------------------------------------------------------

#: (id, files in releases/Jobcenter/, expected pictures per release: (name, number, problem
#: or None)). Picture files are matched to the release of the same name (any case), with
#: "-<n>" for picture n; numbers order them, not names.
PICTURE_CASES: list[tuple[str, list[str], dict[str, list[tuple[str, int, str | None]]]]] = [
    ("first picture without a number", ["bau.txt", "bau.jpg"], {"bau.txt": [("bau.jpg", 1, None)]}),
    ("-1 is the first too", ["bau.txt", "bau-1.png"], {"bau.txt": [("bau-1.png", 1, None)]}),
    (
        "ordered by number, not by name",
        ["bau.txt", "bau-10.jpg", "bau-2.jpg", "bau.webp"],
        {"bau.txt": [("bau.webp", 1, None), ("bau-2.jpg", 2, None), ("bau-10.jpg", 10, None)]},
    ),
    (
        "every ending, any case",
        ["bau.txt", "bau.JPG", "bau-2.jpeg", "bau-3.PNG", "bau-4.WebP"],
        {
            "bau.txt": [
                ("bau.JPG", 1, None),
                ("bau-2.jpeg", 2, None),
                ("bau-3.PNG", 3, None),
                ("bau-4.WebP", 4, None),
            ]
        },
    ),
    ("the name in another case", ["Fest.TXT", "fest.jpg"], {"Fest.TXT": [("fest.jpg", 1, None)]}),
    (
        "a release's own name wins",
        ["bau.txt", "bau-2.txt", "bau-2.jpg", "bau-3.jpg"],
        {"bau-2.txt": [("bau-2.jpg", 1, None)], "bau.txt": [("bau-3.jpg", 3, None)]},
    ),
    (
        "names that are no picture of it",
        [
            "bau.txt",
            "other.jpg",
            "bau-0.jpg",
            "bau-01.jpg",
            "bau-100.jpg",
            "bau-x.jpg",
            "bau 2.jpg",
            "bau.gif",
            "bau.heic",
            "bau.jpg.bak",
            ".bau.jpg",
            "bau.jpg~",
            "baubau.jpg",
        ],
        {"bau.txt": []},
    ),
    (
        "two files with one number: the first by name, the others warned about",
        ["bau.txt", "bau.jpg", "bau.png", "bau-1.webp"],
        {
            "bau.txt": [
                ("bau-1.webp", 1, None),
                ("bau.jpg", 1, "bau-1.webp is picture 1 already; rename or remove one"),
                ("bau.png", 1, "bau-1.webp is picture 1 already; rename or remove one"),
            ]
        },
    ),
    (
        "only beside its release, not in another folder",
        ["2024/bau.txt", "bau.jpg", "2024/bau-2.jpg"],
        {"2024/bau.txt": [("bau-2.jpg", 2, None)]},
    ),
    (
        "a picture without a release",
        ["bau.jpg", "fest.txt"],
        {"fest.txt": []},
    ),
]
assert len({c[0] for c in PICTURE_CASES}) == len(PICTURE_CASES), "duplicate case"


@pytest.mark.parametrize(
    ("files", "expected"), [c[1:] for c in PICTURE_CASES], ids=[c[0] for c in PICTURE_CASES]
)
def test_pictures_beside_a_release(
    tmp_path: Path, files: list[str], expected: dict[str, list[tuple[str, int, str | None]]]
) -> None:
    folder = tmp_path / "Jobcenter"
    for name in files:
        touch(folder / name)
    found, errors = find_releases(tmp_path)
    assert errors == []
    got = {c.relative.removeprefix("Jobcenter/"): list(c.images) for c in found}
    assert got == expected
    for candidate in found:
        # Beside the release: image_files() makes their paths from the release's folder.
        for image in image_files(candidate.source.parent, candidate.images):
            assert image.path.is_file(), image


def test_nfd_picture_names_match_nfc_release_names(tmp_path: Path) -> None:
    touch(tmp_path / "Jobcenter" / "Bücher.txt")
    touch(tmp_path / "Jobcenter" / unicodedata.normalize("NFD", "Bücher-2.jpg"))
    [candidate] = find_releases(tmp_path)[0]
    [image] = image_files(candidate.source.parent, candidate.images)
    assert (image.number, image.path.exists()) == (2, True)


def test_a_changed_added_or_removed_picture_changes_the_release_signature(
    tmp_path: Path,
) -> None:
    """The no-change fast path compares signatures: a picture must count as the release."""
    folder = tmp_path / "Jobcenter"
    touch(folder / "bau.txt")
    signatures = [find_releases(tmp_path)[0][0].signature]
    picture = touch(folder / "bau.jpg", "a")
    signatures.append(find_releases(tmp_path)[0][0].signature)
    picture.write_text("bb", "utf-8")  # replaced
    signatures.append(find_releases(tmp_path)[0][0].signature)
    touch(folder / "bau-2.png")
    signatures.append(find_releases(tmp_path)[0][0].signature)
    picture.unlink()
    signatures.append(find_releases(tmp_path)[0][0].signature)
    assert len(set(signatures)) == len(signatures)
    assert signatures[0] == find_releases(tmp_path)[0][0].signature.split("|")[0]
    (folder / "bau-2.png").unlink()
    assert find_releases(tmp_path)[0][0].signature == signatures[0]


def test_pictures_that_cannot_be_published_are_problems_not_errors(tmp_path: Path) -> None:
    folder = tmp_path / "releases" / "Jobcenter"
    touch(folder / "bau.txt")
    outside = touch(tmp_path / "elsewhere.jpg")
    (folder / "bau.jpg").symlink_to(outside)
    (folder / "bau-2.jpg").symlink_to(folder / "nowhere.jpg")
    (folder / "bau-3.jpg").symlink_to("bau-3.jpg")
    os.mkfifo(folder / "bau-4.jpg")
    (folder / "bau-5.jpg").mkdir()  # a folder named like a picture is walked, not a picture
    touch(folder / "bau-6.jpg")
    found, errors = find_releases(tmp_path / "releases")
    assert errors == []
    [candidate] = found
    assert [(number, problem) for _, number, problem in candidate.images] == [
        (1, "symlink points outside the releases folder; copy the file in instead"),
        (2, "symlink is broken; remove it"),
        (3, "symlink loops; remove it"),
        (4, "not a regular file; remove it"),
        (6, None),
    ]
