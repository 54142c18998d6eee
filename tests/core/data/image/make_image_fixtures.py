#!/usr/bin/python3
"""Writes the image fixtures OpenCV cannot write, each with the pixels PIL decodes from it.

Usage: make_image_fixtures.py OUTPUT_DIR

Run by tests/core/data/image/image_decode_test.cpp through Debian's /usr/bin/python3 (which has PIL
and numpy; a pyenv python on PATH may not). For every fixture NAME.EXT it also writes
NAME.EXT.expected.png: the RGB image a viewer shows (PIL's reading, EXIF orientation applied,
alpha composited on white), so the C++ test compares pixels, not only sizes.

Exit status 77 means PIL or numpy is missing: the test skips instead of failing.
"""

import os
import sys

try:
    import numpy as np
    from PIL import Image
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"missing Python module: {error}", file=sys.stderr)
    sys.exit(77)

# The skimage sample photos compared pixel for pixel with PIL (Debian python3-skimage).
SKIMAGE_DIR = "/usr/lib/python3/dist-packages/skimage/data"
SKIMAGE_PHOTOS = ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg",
                  "motorcycle_left.png", "camera.png"]


def pattern(width=64, height=48):
    """An asymmetric RGB image: four coloured quadrants plus a horizontal ramp in the top row
    band, so every flip and rotation gives a different picture. Flat areas keep JPEG close."""
    image = np.zeros((height, width, 3), np.uint8)
    h2, w2 = height // 2, width // 2
    image[:h2, :w2] = (220, 30, 30)     # top-left red
    image[:h2, w2:] = (30, 200, 40)     # top-right green
    image[h2:, :w2] = (40, 40, 210)     # bottom-left blue
    image[h2:, w2:] = (230, 220, 40)    # bottom-right yellow
    image[:8, :, 0] = np.linspace(0, 255, width).astype(np.uint8)  # ramp marks the top
    return image


def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


# EXIF orientation -> the PIL operation that shows the image upright (the table of
# ImageOps.exif_transpose, spelled out so the reference does not depend on that helper).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def save_expected(path):
    """What a viewer shows for `path`: oriented, alpha over white, RGB."""
    with Image.open(path) as image:
        orientation = image.getexif().get(0x0112)
        image.load()
        # Pillow (since 8.x) turns TIFFs upright while loading them (TiffImageFile.load_end).
        if orientation in UPRIGHT and image.format != "TIFF":
            image = image.transpose(UPRIGHT[orientation])
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, rgba)
        image.convert("RGB").save(path + ".expected.png")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    base = Image.fromarray(pattern())

    # EXIF orientation 1..8 in JPEG (APP1), PNG (eXIf chunk) and WebP (RIFF EXIF chunk).
    for orientation in range(1, 9):
        exif = exif_with_orientation(orientation)
        for ext, options in (("jpg", {"quality": 95}), ("png", {}), ("webp", {"lossless": True})):
            path = os.path.join(out, f"exif{orientation}.{ext}")
            base.save(path, exif=exif, **options)
            save_expected(path)

    # Progressive JPEGs large enough to be decoded at 1/8 scale, upright and turned (EXIF 6, 8);
    # libjpeg's default progression sends the DC coefficients in two scans (successive
    # approximation), the second one after the first AC scans.
    big = Image.fromarray(np.kron(pattern(), np.ones((8, 8, 1), np.uint8)))
    for orientation in (1, 6, 8):
        path = os.path.join(out, f"progressive_exif{orientation}.jpg")
        big.save(path, quality=90, progressive=True, exif=exif_with_orientation(orientation))
    big.save(os.path.join(out, "progressive_444.jpg"), quality=90, progressive=True, subsampling=0)

    # TIFF with the Orientation tag in IFD0 (OpenCV's TIFF decoder applies it itself).
    for orientation in (3, 6):
        path = os.path.join(out, f"tiff_orient{orientation}.tif")
        base.save(path, tiffinfo={274: orientation})
        save_expected(path)

    # CMYK JPEG (print workflows, stock photos); PIL writes Adobe-style inverted CMYK.
    rng = np.random.default_rng(7)
    cmyk = np.zeros((48, 64, 4), np.uint8)
    cmyk[..., 0] = np.linspace(0, 255, 64).astype(np.uint8)[None, :]
    cmyk[..., 1] = np.linspace(0, 200, 48).astype(np.uint8)[:, None]
    cmyk[:24, :32, 2] = 180
    cmyk[30:, 40:, 3] = 90
    path = os.path.join(out, "cmyk.jpg")
    Image.fromarray(cmyk, "CMYK").save(path, quality=95)
    save_expected(path)

    # Straight alpha where OpenCV cannot write it (gray+alpha PNG) or handles it specially
    # (8-bit RGBA TIFF goes through libtiff's premultiplying RGBA reader).
    alpha = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))
    gray = (rng.integers(0, 256, (48, 64))).astype(np.uint8)
    path = os.path.join(out, "gray_alpha.png")
    Image.fromarray(np.dstack([gray, alpha]), "LA").save(path)
    save_expected(path)
    rgba = np.dstack([pattern(), alpha])
    path = os.path.join(out, "rgba.tif")
    Image.fromarray(rgba, "RGBA").save(path)
    save_expected(path)

    # Palette PNG with a transparent entry.
    palette = Image.fromarray(pattern()).quantize(colors=8)
    path = os.path.join(out, "palette_trns.png")
    palette.save(path, transparency=0)
    save_expected(path)

    # A PNG with a broken embedded colour profile, as many saved by image tools have: libpng
    # warns about it on every decode ("iCCP: ... length does not match profile").
    path = os.path.join(out, "bad_profile.png")
    Image.fromarray(pattern()).save(path, icc_profile=bytes(200))
    save_expected(path)

    # The Debian sample photos and what PIL decodes from them.
    for name in SKIMAGE_PHOTOS:
        source = os.path.join(SKIMAGE_DIR, name)
        if os.path.exists(source):
            with Image.open(source) as image:
                image.convert("RGB").save(os.path.join(out, f"skimage_{name}.expected.png"))

    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
