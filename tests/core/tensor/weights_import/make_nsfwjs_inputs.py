"""Writes the photos the nsfwjs reference test feeds to both implementations.

Usage: make_nsfwjs_inputs.py OUTPUT.raw [SIZE [COUNT]]
Writes uint8 RGB pixels [N, SIZE, SIZE, 3] (SIZE 224 unless given; N = COUNT or len(PHOTOS), the
first photos of PHOTOS in that order) from Debian's
python3-skimage sample images (public domain / CC0), resized with anti-aliasing here once so
that Node and C++ see the same bytes. Exit code 77 when skimage is missing (the test skips).
"""
import sys

import numpy as np

PHOTOS = ["chelsea", "coffee", "astronaut", "rocket"]
DEFAULT_SIZE = 224


def main():
    try:
        import skimage.data
        import skimage.transform
    except ImportError:
        print("python3-skimage is not installed (apt-get install python3-skimage)")
        return 77
    size = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SIZE
    photos = PHOTOS[:int(sys.argv[3])] if len(sys.argv) > 3 else PHOTOS
    batch = []
    for name in photos:
        image = getattr(skimage.data, name)()[:, :, :3]
        # Squash to SIZE x SIZE as nsfwjs does (it resizes without cropping).
        resized = skimage.transform.resize(image, (size, size), order=1, anti_aliasing=True,
                                           preserve_range=True)
        batch.append(np.clip(np.rint(resized), 0, 255).astype(np.uint8))
    np.stack(batch).tofile(sys.argv[1])
    print(",".join(photos))
    return 0


if __name__ == "__main__":
    sys.exit(main())
