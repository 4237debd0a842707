"""Makes the picture files of the samples and of the tests; kept for the record, not run by
the tests (they need only the committed files). Needs Pillow, which feedpub does not:

    python3 -m venv /tmp/pil && /tmp/pil/bin/pip install pillow
    /tmp/pil/bin/python tests/data/images/make.py

Drawn, not photographed (no rights to clear), and small (each sample under 30 KB). The test
files are tiny with odd sizes (33×21), so a width read as height shows.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
BAU = ROOT / "releases" / "Amt für Bau und Planung"


def sky(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return image


def grain(image: Image.Image, amount: int, seed: int) -> Image.Image:
    """A little sensor noise, so that it compresses like a photo."""
    rng = random.Random(seed)
    noise = Image.new("L", image.size)
    noise.putdata([128 + rng.randint(-amount, amount) for _ in range(image.width * image.height)])
    noise = noise.filter(ImageFilter.GaussianBlur(0.6)).convert("RGB")
    return Image.blend(image, noise, 0.08)


def richtfest() -> Image.Image:
    """Topping-out ceremony: a timber building shell, a crane, the Richtkranz, people."""
    image = sky((640, 427), (120, 170, 225), (215, 230, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 330, 640, 427], fill=(120, 110, 95))  # site ground
    # shell: concrete base, timber floors, open roof trusses
    draw.rectangle([90, 210, 520, 335], fill=(170, 168, 160))
    for floor in range(3):
        y = 215 + floor * 40
        draw.rectangle([90, y, 520, y + 8], fill=(196, 160, 110))
        for x in range(100, 520, 46):
            draw.rectangle([x, y + 8, x + 28, y + 36], fill=(70, 72, 80))
    for x in range(90, 530, 30):
        draw.line([(x, 210), (305, 120)], fill=(180, 140, 90), width=3)
    # crane
    draw.rectangle([560, 60, 572, 335], fill=(235, 190, 40))
    draw.rectangle([380, 55, 630, 66], fill=(235, 190, 40))
    draw.line([(566, 30), (390, 60)], fill=(60, 60, 60), width=2)
    draw.line([(450, 66), (450, 120)], fill=(60, 60, 60), width=1)
    # Richtkranz with ribbons on the ridge
    draw.ellipse([285, 95, 325, 130], outline=(40, 110, 50), width=7)
    for i, colour in enumerate([(200, 30, 40), (240, 240, 240), (30, 80, 170), (240, 200, 40)]):
        draw.line([(298 + i * 5, 128), (292 + i * 7, 165)], fill=colour, width=2)
    # people in front
    rng = random.Random(7)
    for x in range(40, 620, 34):
        h = rng.randint(46, 60)
        shirt = rng.choice(
            [(30, 50, 90), (150, 40, 40), (60, 60, 60), (230, 120, 30), (240, 240, 240)]
        )
        draw.rectangle([x, 420 - h + 14, x + 16, 420], fill=shirt)
        draw.ellipse([x + 2, 420 - h, x + 14, 420 - h + 13], fill=(225, 185, 150))
        if rng.random() < 0.3:
            draw.rectangle([x, 420 - h - 3, x + 16, 420 - h + 3], fill=(250, 250, 250))  # helmet
    return grain(image, 60, 1)


def luftbild() -> Image.Image:
    """Aerial view: fields, the road, the site with its cranes."""
    image = Image.new("RGB", (640, 400), (110, 140, 80))
    draw = ImageDraw.Draw(image)
    rng = random.Random(3)
    for _ in range(26):
        x, y = rng.randint(-80, 600), rng.randint(-80, 360)
        tone = rng.choice([(130, 155, 85), (160, 150, 90), (95, 125, 70), (175, 165, 110)])
        draw.polygon([(x, y), (x + 160, y + 20), (x + 140, y + 130), (x - 10, y + 110)], fill=tone)
    draw.line([(0, 300), (640, 250)], fill=(85, 85, 90), width=18)  # Nordheimer Straße
    draw.line([(0, 300), (640, 250)], fill=(230, 230, 230), width=1)
    draw.polygon([(200, 90), (470, 70), (490, 230), (215, 250)], fill=(150, 130, 105))  # site
    draw.rectangle([250, 110, 420, 190], fill=(190, 160, 120))  # timber floors from above
    for x in range(260, 420, 20):
        draw.line([(x, 110), (x, 190)], fill=(150, 120, 85), width=2)
    draw.rectangle([300, 200, 380, 228], fill=(200, 200, 205))  # sports hall slab
    for cx, cy in [(235, 120), (445, 200)]:
        draw.line([(cx, cy), (cx + 90, cy - 30)], fill=(235, 190, 40), width=5)  # crane jibs
        draw.rectangle([cx - 5, cy - 5, cx + 5, cy + 5], fill=(235, 190, 40))
    for i in range(14):
        draw.rectangle(
            [420 + i * 9, 235, 426 + i * 9, 246],
            fill=rng.choice([(200, 30, 30), (240, 240, 240), (40, 40, 50), (30, 60, 140)]),
        )
    return grain(image.filter(ImageFilter.GaussianBlur(0.8)), 50, 2)


def lageplan() -> Image.Image:
    """Site plan: plots, streets, the creek with its green strip, a north arrow. Few colours."""
    image = Image.new("RGB", (600, 420), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    draw.polygon([(40, 40), (560, 30), (570, 390), (30, 395)], outline=(200, 30, 30), width=3)
    draw.rectangle([40, 330, 565, 392], fill=(200, 230, 190))  # 25 m green strip
    draw.line(
        [(30, 370), (200, 360), (380, 378), (570, 362)], fill=(60, 120, 200), width=6
    )  # Mühlenbach
    draw.line([(60, 180), (550, 170)], fill=(170, 170, 170), width=14)  # streets
    draw.line([(300, 40), (305, 330)], fill=(170, 170, 170), width=14)
    for row, (top, bottom) in enumerate([(55, 160), (190, 320)]):
        for x in range(55, 545, 48):
            if 285 < x + 40 and x < 320:
                continue
            fill = (250, 215, 200) if (x // 48 + row) % 4 else (240, 190, 170)
            draw.rectangle([x, top, x + 40, bottom], outline=(90, 90, 90), fill=fill)
    draw.polygon([(530, 60), (540, 95), (530, 88), (520, 95)], fill=(20, 20, 20))  # north arrow
    draw.text((524, 100), "N", fill=(20, 20, 20))
    draw.text((60, 398), "Am Muehlenbach, Nordheim  M 1:2500", fill=(20, 20, 20))
    return image.quantize(16)


def tiny(mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (33, 21), (200, 120, 40, 255)[: len(mode)] if mode != "P" else 3)
    ImageDraw.Draw(image).line(
        [(0, 0), (32, 20)], fill=(20, 40, 200, 128)[: len(mode)] if mode != "P" else 7
    )
    return image


def exif(orientation: int) -> bytes:
    data = Image.Exif()
    data[0x0112] = orientation
    data[0x013B] = "Jana Wolff"  # Artist
    data[0x8298] = "Landkreis Musterland"  # Copyright
    return data.tobytes()


def main() -> None:
    richtfest().save(
        BAU / "2025-09-19-richtfest-berufsschulzentrum.jpg",
        quality=62,
        optimize=True,
        progressive=True,
        exif=exif(1),
    )
    luftbild().save(BAU / "2025-09-19-richtfest-berufsschulzentrum-3.webp", quality=55, method=6)
    lageplan().save(BAU / "2026-04-15-bebauungsplan-am-muehlenbach.png", optimize=True)

    tiny().save(HERE / "baseline.jpg", quality=80)
    tiny().save(HERE / "progressive.jpg", quality=80, progressive=True)
    tiny().save(HERE / "exif-rotated.jpg", quality=80, exif=exif(6))  # shown 21×33
    tiny().save(HERE / "exif-mirrored.jpg", quality=80, exif=exif(2))  # shown 33×21
    tiny("L").save(HERE / "grey.jpg", quality=80)
    tiny().save(HERE / "rgb.png")
    tiny("P").save(HERE / "palette.png")
    tiny("RGBA").save(HERE / "alpha.png")
    tiny().save(HERE / "lossy.webp", quality=60)  # VP8
    tiny().save(HERE / "lossless.webp", lossless=True)  # VP8L
    tiny("RGBA").save(HERE / "extended.webp", quality=60, exif=exif(1))  # VP8X
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            with Image.open(path) as opened:
                print(path.name, opened.format, opened.size, path.stat().st_size)


if __name__ == "__main__":
    main()
