#!/usr/bin/python3
"""An independent reading of a COCO instances file, from the format's definition
(https://cocodataset.org/#format-data), for the box-format tests.

check_coco.py FILE: checks what the definition requires (unique integer ids, annotations naming
existing images and categories, bbox [x, y, width, height] of 4 numbers inside the image,
area = width * height, iscrowd 0 or 1), then prints one line per annotation, in file order:
"file_name<TAB>category name<TAB>x y w h<TAB>iscrowd", numbers with 4 decimals. Exit 1 with the
reason on a violation.
"""
import json
import sys


def fail(message):
    print(message)
    sys.exit(1)


def main(path):
    with open(path, encoding="utf-8") as f:
        coco = json.load(f)
    for key in ("images", "annotations", "categories"):
        if not isinstance(coco.get(key), list):
            fail(f"'{key}' is not a list")
    images = {}
    for image in coco["images"]:
        if not isinstance(image["id"], int) or image["id"] in images:
            fail(f"image id {image['id']!r} is not a unique integer")
        if not isinstance(image["file_name"], str) or image["width"] <= 0 or image["height"] <= 0:
            fail(f"image {image['id']} lacks a file name or a positive size")
        images[image["id"]] = image
    categories = {}
    for category in coco["categories"]:
        if not isinstance(category["id"], int) or category["id"] in categories:
            fail(f"category id {category['id']!r} is not a unique integer")
        categories[category["id"]] = category["name"]
    ids = set()
    for ann in coco["annotations"]:
        if not isinstance(ann["id"], int) or ann["id"] in ids:
            fail(f"annotation id {ann['id']!r} is not a unique integer")
        ids.add(ann["id"])
        image = images.get(ann["image_id"])
        if image is None or ann["category_id"] not in categories:
            fail(f"annotation {ann['id']} names an unknown image or category")
        x, y, w, h = ann["bbox"]
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > image["width"] + 1e-3 \
                or y + h > image["height"] + 1e-3:
            fail(f"annotation {ann['id']} bbox {ann['bbox']} is not inside its image")
        if "area" in ann and abs(ann["area"] - w * h) > 1e-3 * max(1.0, w * h):
            fail(f"annotation {ann['id']} area {ann['area']} is not width * height")
        if ann.get("iscrowd", 0) not in (0, 1):
            fail(f"annotation {ann['id']} iscrowd is not 0 or 1")
        print(f"{image['file_name']}\t{categories[ann['category_id']]}\t"
              f"{x:.4f} {y:.4f} {w:.4f} {h:.4f}\t{ann.get('iscrowd', 0)}")


if __name__ == "__main__":
    main(sys.argv[1])
