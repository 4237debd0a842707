"""A release's picture files → :class:`~feedpub.release.Image` values: type, size, pixels.

The type is decided from the file's first bytes (JPEG ``FF D8 FF``, PNG ``89 50 4E 47 0D 0A 1A
0A``, WebP ``RIFF····WEBP``), never from its name, and width and height are read from the
format's headers with :mod:`struct` alone (no imaging library: a cron job that only needs two
numbers should not load one). A picture that cannot be published (unreadable, too big, not a
JPEG, PNG or WebP, headers without a size) is a :class:`~feedpub.release.Notice`: the release is
published without it. Reads headers only; copying is :mod:`feedpub.publish`'s job.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from collections.abc import Callable, Sequence
from dataclasses import replace

from feedpub.layout import image_name
from feedpub.release import Caption, Image, ImageFile, Notice, Release

#: Larger pictures are not published (a warning says so): a press photo for the web is a few
#: hundred KiB; 20 MiB is a camera's raw export, which would cost subscribers' data plans.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
#: How much of a picture is read at once: enough for PNG and WebP headers and for the JPEG
#: headers of nearly every camera (EXIF included); a JPEG whose frame header lies further on
#: is read on segment by segment.
HEAD_BYTES = 64 * 1024

_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG markers that start a frame (SOF0–SOF15 without DHT C4, JPG C8 and DAC CC): their segment
# holds the picture's height and width.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# A real JPEG has a dozen segments before its frame header; a damaged one could make the walk
# below read millions of 4-byte pieces while the build holds the lock.
_MAX_SEGMENTS = 1000
# Markers without a length (TEM, RST0–RST7).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Other formats that press offices' cameras and phones produce, named in the warning so that
# it says what to do.
_OTHER_TYPES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"GIF8", "a GIF image"),
    (4, b"ftypheic", "a HEIC photo (iPhone)"),
    (4, b"ftypheix", "a HEIC photo (iPhone)"),
    (4, b"ftypmif1", "a HEIF image"),
    (4, b"ftypavif", "an AVIF image"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"BM", "a BMP image"),
    (0, b"%PDF", "a PDF document"),
)


class ImageProblem(Exception):
    """Why a picture cannot be published (a warning, never an error of its release)."""


def media_type(head: bytes) -> str | None:
    """The picture type the first bytes of a file show, or None for any other file."""
    if head.startswith(_JPEG):
        return "image/jpeg"
    if head.startswith(_PNG):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(kind: str, head: bytes, read: Callable[[int, int], bytes]) -> tuple[int, int]:
    """Width and height in pixels as a browser shows the picture; ``head`` is the start of the
    file, ``read(offset, count)`` reads further. Raises ImageProblem when the headers hold no
    plausible size (a truncated or damaged file)."""
    if kind == "image/png":
        # The IHDR chunk comes first (PNG 1.2, 5.6): length, "IHDR", width, height.
        if head[12:16] != b"IHDR" or len(head) < 24:
            raise ImageProblem("PNG without its IHDR header (damaged file?)")
        width, height = struct.unpack(">II", head[16:24])
    elif kind == "image/webp":
        width, height = _webp_size(head)
    else:
        width, height = _jpeg_size(read)
    if not (0 < width <= 65535 and 0 < height <= 65535):
        raise ImageProblem(f"its headers give an impossible size of {width}×{height} pixels")
    return width, height


def _webp_size(head: bytes) -> tuple[int, int]:
    """From the first chunk (RFC 9649, "WebP Image Format"): lossy VP8, lossless VP8L or
    the extended format's VP8X canvas."""
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a" and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF  # the top two bits are a scale
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        (bits,) = struct.unpack("<I", head[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    raise ImageProblem("WebP without a VP8, VP8L or VP8X header (damaged file?)")


def _jpeg_size(read: Callable[[int, int], bytes]) -> tuple[int, int]:
    """From the frame header (ITU T.81, B.2.2), walking the segments before it; swapped when
    EXIF says the camera was turned (orientations 5–8), as browsers show it."""
    offset = 2
    turned = False
    for _ in range(_MAX_SEGMENTS):
        marker = read(offset, 4)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise ImageProblem("JPEG without a frame header (damaged or truncated file?)")
        kind = marker[1]
        if kind == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if kind in _STANDALONE:
            offset += 2
            continue
        if kind in (0xD9, 0xDA) or len(marker) < 4:  # end of image, or image data: no frame
            raise ImageProblem("JPEG without a frame header (damaged or truncated file?)")
        (length,) = struct.unpack(">H", marker[2:4])
        if length < 2:
            raise ImageProblem("JPEG with a damaged segment length")
        if kind in _SOF:
            frame = read(offset + 4, 5)
            if len(frame) < 5:
                raise ImageProblem("JPEG frame header is cut off (truncated file?)")
            height, width = struct.unpack(">HH", frame[1:5])
            return (height, width) if turned else (width, height)
        if kind == 0xE1:  # APP1: EXIF (or XMP, which has no orientation)
            turned = _exif_orientation(read(offset + 4, min(length - 2, HEAD_BYTES))) >= 5
        offset += 2 + length
    raise ImageProblem("JPEG without a frame header (damaged file?)")


def _exif_orientation(segment: bytes) -> int:
    """EXIF tag 0x0112 of IFD0 (1–8), or 1 when the segment has none or is damaged."""
    if not segment.startswith(b"Exif\x00\x00"):
        return 1
    tiff = segment[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return 1
    (ifd,) = struct.unpack(order + "I", tiff[4:8])
    if ifd + 2 > len(tiff):
        return 1
    (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
    for index in range(count):
        start = ifd + 2 + 12 * index
        if start + 12 > len(tiff):
            break
        tag, kind = struct.unpack(order + "HH", tiff[start : start + 4])
        if tag == 0x0112 and kind == 3:  # SHORT
            (value,) = struct.unpack(order + "H", tiff[start + 8 : start + 10])
            return value if 1 <= value <= 8 else 1
    return 1


def read_image(path: os.PathLike[str] | str) -> tuple[str, int, int, int, str]:
    """Type, size in bytes, width, height and fingerprint of a picture file.

    The fingerprint is a digest of the size and of the first HEAD_BYTES (EXIF with the time the
    photo was taken, the first scan lines): another photo differs there, and reading every
    byte of every picture on a full build would cost seconds for an office with thousands.
    Raises ImageProblem for a file that cannot be published, FileNotFoundError when it is gone.
    """
    # O_NONBLOCK: a FIFO put there since the folder was listed must not block the build.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ImageProblem(f"cannot read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImageProblem("not a regular file; remove it")
        size = info.st_size
        if size > MAX_IMAGE_BYTES:
            raise ImageProblem(
                f"is {size / 1024 / 1024:.1f} MiB, more than {MAX_IMAGE_BYTES // 1024 // 1024} "
                "MiB; save a smaller version for the web"
            )
        try:
            head = os.pread(fd, HEAD_BYTES, 0)
            kind = media_type(head)
            if kind is None:
                raise ImageProblem(_not_a_picture(head))

            def read(offset: int, count: int) -> bytes:
                if offset + count <= len(head):
                    return head[offset : offset + count]
                return os.pread(fd, count, offset)

            width, height = image_size(kind, head, read)
        except OSError as exc:
            raise ImageProblem(f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    digest = hashlib.blake2b(head, digest_size=12, key=str(size).encode("ascii")).hexdigest()
    return kind, size, width, height, digest


def _not_a_picture(head: bytes) -> str:
    if not head:
        return "is empty"
    for offset, magic, name in _OTHER_TYPES:
        if head[offset : offset + len(magic)] == magic:
            return f"is {name}, not a JPEG, PNG or WebP picture; save it as JPEG"
    return "is not a JPEG, PNG or WebP picture (its first bytes say so, whatever its name)"


def alt_text(title: str, position: int, count: int) -> str:
    """The text alternative of a picture without a caption of its own (WCAG 1.1.1: every
    picture needs one): what it belongs to, numbered when the release has several."""
    if count == 1:
        return f"Foto zur Meldung: {title}"
    return f"Foto {position} zur Meldung: {title}"


def with_images(release: Release, files: Sequence[ImageFile]) -> tuple[Release, list[Notice]]:
    """``release`` with its readable pictures, matched to its captions by number, and a
    warning for each picture that cannot be published (the release is published anyway)."""
    if not files:
        return release, []
    notices: list[Notice] = []
    found: list[tuple[ImageFile, tuple[str, int, int, int, str]]] = []
    for file in files:
        problem = file.problem
        if problem is None:
            try:
                found.append((file, read_image(file.path)))
                continue
            except FileNotFoundError:
                problem = "it is gone (deleted while the build ran?)"
            except ImageProblem as exc:
                problem = str(exc)
        notices.append(Notice(file.path, None, f"picture not published: {problem}"))
    images: list[Image] = []
    for position, (file, (kind, size, width, height, digest)) in enumerate(found, 1):
        caption: Caption | None = None
        if file.number <= len(release.captions):
            caption = release.captions[file.number - 1]
        text = caption.text if caption is not None else None
        images.append(
            Image(
                source=file.path,
                number=file.number,
                name=image_name(release.stem, file.number, kind),
                media_type=kind,
                length=size,
                width=width,
                height=height,
                alt=text or alt_text(release.title, position, len(found)),
                caption=text,
                credit=caption.credit if caption is not None else None,
                fingerprint=digest,
            )
        )
    return replace(release, images=tuple(images)), notices
