#!/usr/bin/python3
"""An independent reading of COCO's bbox evaluation, for the detection-metrics tests.

It follows pycocotools' COCOeval (evaluate -> evaluateImg -> accumulate -> summarize) as the
COCO detection evaluation describes it (https://cocodataset.org/#detection-eval), with
iouType "bbox", useCats 1, areaRng "all" only and maxDets [100] (configurable), written in
plain Python so that it needs nothing beyond the standard library (numpy and pycocotools are
not installed here). numpy's operations are spelled out where COCOeval uses them:
np.linspace, a stable argsort (kind="mergesort"), cumsum, np.spacing(1), searchsorted
(side="left").

coco_eval_reference.py INPUT.json prints one JSON object:
  {"map", "ap50", "ap75", "ar"  (-1 when no class has ground truth, as COCO prints),
   "per_class": [{"ap", "ap50", "ap75", "recall"} or null per class]}
Floats are printed with repr(), so the C++ side can compare to the last bit.

INPUT: {"classes": K, "max_dets": 100,
        "images": [{"truth": [[class, x, y, w, h, iscrowd, difficult], ...],
                    "detections": [[class, x, y, w, h, score], ...]}, ...]}
COCO has no "difficult" flag; a difficult box is given COCO's per-annotation "ignore"
(as an annotation outside the area range is), without iscrowd's IoU rule.
"""
import json
import sys


def linspace(start, stop, num):
    # numpy.linspace: step = (stop - start) / (num - 1); y = arange(num) * step + start;
    # y[-1] = stop.
    step = (stop - start) / (num - 1)
    values = [i * step + start for i in range(num)]
    values[-1] = stop
    return values


IOU_THRS = linspace(0.5, 0.95, int(round((0.95 - 0.5) / 0.05)) + 1)
REC_THRS = linspace(0.0, 1.00, int(round((1.00 - 0.0) / 0.01)) + 1)
EPS = 2.220446049250313e-16  # np.spacing(1)


def bb_iou(d, g, iscrowd):
    # maskApi.c bbIou with boxes [x, y, w, h].
    w = min(d[0] + d[2], g[0] + g[2]) - max(d[0], g[0])
    if w <= 0:
        return 0.0
    h = min(d[1] + d[3], g[1] + g[3]) - max(d[1], g[1])
    if h <= 0:
        return 0.0
    i = w * h
    da = d[2] * d[3]
    ga = g[2] * g[3]
    u = da if iscrowd else da + ga - i
    return i / u


def stable_argsort(keys):
    return sorted(range(len(keys)), key=lambda i: keys[i])  # Python's sort is stable


class Evaluation:
    def __init__(self, data):
        self.max_det = data.get("max_dets", 100)
        self.cat_ids = list(range(data["classes"]))
        self.img_ids = list(range(len(data["images"])))
        self.gts = {}
        self.dts = {}
        ann_id = 1
        for img_id, image in enumerate(data["images"]):
            for cls, x, y, w, h, crowd, difficult in image["truth"]:
                gt = {"id": ann_id, "image_id": img_id, "category_id": cls,
                      "bbox": [x, y, w, h], "area": w * h, "iscrowd": crowd}
                # COCOeval._prepare: ignore = iscrowd (plus, here, VOC's difficult).
                gt["ignore"] = 1 if (crowd or difficult) else 0
                self.gts.setdefault((img_id, cls), []).append(gt)
                ann_id += 1
            for cls, x, y, w, h, score in image["detections"]:
                dt = {"id": ann_id, "image_id": img_id, "category_id": cls,
                      "bbox": [x, y, w, h], "area": w * h, "score": score}
                self.dts.setdefault((img_id, cls), []).append(dt)
                ann_id += 1

    def compute_iou(self, img_id, cat_id):
        gt = self.gts.get((img_id, cat_id), [])
        dt = self.dts.get((img_id, cat_id), [])
        if not gt and not dt:
            return []
        inds = stable_argsort([-d["score"] for d in dt])
        dt = [dt[i] for i in inds][: self.max_det]
        return [[bb_iou(d["bbox"], g["bbox"], g["iscrowd"]) for g in gt] for d in dt]

    def evaluate_img(self, img_id, cat_id):
        gt = self.gts.get((img_id, cat_id), [])
        dt = self.dts.get((img_id, cat_id), [])
        if not gt and not dt:
            return None
        for g in gt:
            # areaRng "all" = [0, 1e5 ** 2]
            g["_ignore"] = 1 if (g["ignore"] or g["area"] < 0 or g["area"] > 1e10) else 0
        gtind = stable_argsort([g["_ignore"] for g in gt])
        gt = [gt[i] for i in gtind]
        dtind = stable_argsort([-d["score"] for d in dt])
        dt = [dt[i] for i in dtind[: self.max_det]]
        iscrowd = [int(g["iscrowd"]) for g in gt]
        ious_full = self.compute_iou(img_id, cat_id)
        # ious[:, gtind]
        ious = [[row[i] for i in gtind] for row in ious_full] if ious_full else []
        T, G, D = len(IOU_THRS), len(gt), len(dt)
        gtm = [[0] * G for _ in range(T)]
        dtm = [[0] * D for _ in range(T)]
        gt_ig = [g["_ignore"] for g in gt]
        dt_ig = [[0] * D for _ in range(T)]
        if ious:
            for tind, t in enumerate(IOU_THRS):
                for dind, d in enumerate(dt):
                    iou = min(t, 1 - 1e-10)
                    m = -1
                    for gind, g in enumerate(gt):
                        if gtm[tind][gind] > 0 and not iscrowd[gind]:
                            continue
                        if m > -1 and gt_ig[m] == 0 and gt_ig[gind] == 1:
                            break
                        if ious[dind][gind] < iou:
                            continue
                        iou = ious[dind][gind]
                        m = gind
                    if m == -1:
                        continue
                    dt_ig[tind][dind] = gt_ig[m]
                    dtm[tind][dind] = gt[m]["id"]
                    gtm[tind][m] = d["id"]
        for tind in range(T):
            for dind, d in enumerate(dt):
                out_of_range = d["area"] < 0 or d["area"] > 1e10
                if dtm[tind][dind] == 0 and out_of_range:
                    dt_ig[tind][dind] = 1
        return {"dtScores": [d["score"] for d in dt], "dtMatches": dtm, "dtIgnore": dt_ig,
                "gtIgnore": gt_ig}

    def accumulate(self):
        T, R, K = len(IOU_THRS), len(REC_THRS), len(self.cat_ids)
        precision = [[[-1.0] * K for _ in range(R)] for _ in range(T)]
        recall = [[-1.0] * K for _ in range(T)]
        for k, cat_id in enumerate(self.cat_ids):
            E = [self.evaluate_img(i, cat_id) for i in self.img_ids]
            E = [e for e in E if e is not None]
            if not E:
                continue
            dt_scores = [s for e in E for s in e["dtScores"][: self.max_det]]
            inds = stable_argsort([-s for s in dt_scores])
            dtm = [[m for e in E for m in e["dtMatches"][t][: self.max_det]] for t in range(T)]
            dtm = [[row[i] for i in inds] for row in dtm]
            dt_ig = [[m for e in E for m in e["dtIgnore"][t][: self.max_det]] for t in range(T)]
            dt_ig = [[row[i] for i in inds] for row in dt_ig]
            gt_ig = [g for e in E for g in e["gtIgnore"]]
            npig = sum(1 for g in gt_ig if g == 0)
            if npig == 0:
                continue
            for t in range(T):
                tps = [1 if (m and not ig) else 0 for m, ig in zip(dtm[t], dt_ig[t])]
                fps = [1 if (not m and not ig) else 0 for m, ig in zip(dtm[t], dt_ig[t])]
                tp, fp, acc_tp, acc_fp = [], [], 0.0, 0.0
                for a, b in zip(tps, fps):
                    acc_tp += a
                    acc_fp += b
                    tp.append(acc_tp)
                    fp.append(acc_fp)
                nd = len(tp)
                rc = [x / npig for x in tp]
                pr = [x / (y + x + EPS) for x, y in zip(tp, fp)]
                q = [0.0] * R
                recall[t][k] = rc[-1] if nd else 0
                for i in range(nd - 1, 0, -1):
                    if pr[i] > pr[i - 1]:
                        pr[i - 1] = pr[i]
                for ri, thr in enumerate(REC_THRS):
                    # np.searchsorted(rc, thr, side="left")
                    pi = next((j for j, r in enumerate(rc) if r >= thr), nd)
                    if pi >= nd:
                        break  # COCOeval's IndexError: the rest stay 0
                    q[ri] = pr[pi]
                for ri in range(R):
                    precision[t][ri][k] = q[ri]
        return precision, recall


def mean_valid(values):
    valid = [v for v in values if v > -1]
    return sum(valid) / len(valid) if valid else -1


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    ev = Evaluation(data)
    precision, recall = ev.accumulate()
    T, R, K = len(IOU_THRS), len(REC_THRS), len(ev.cat_ids)
    # summarize(): np.mean(s[s > -1]) over the selected thresholds, recall points and classes.
    # Means are taken per class first and then over classes, which is the same mean here since
    # every valid class contributes T * R entries; sums are ordered as numpy's would not be, so
    # agreement is to rounding (the test allows 1e-9).
    result = {
        "map": mean_valid([precision[t][r][k] for t in range(T) for r in range(R)
                           for k in range(K)]),
        "ap50": mean_valid([precision[0][r][k] for r in range(R) for k in range(K)]),
        "ap75": mean_valid([precision[5][r][k] for r in range(R) for k in range(K)]),
        "ar": mean_valid([recall[t][k] for t in range(T) for k in range(K)]),
        "per_class": [],
    }
    for k in range(K):
        if recall[0][k] == -1:
            result["per_class"].append(None)
            continue
        result["per_class"].append({
            "ap": mean_valid([precision[t][r][k] for t in range(T) for r in range(R)]),
            "ap50": mean_valid([precision[0][r][k] for r in range(R)]),
            "ap75": mean_valid([precision[5][r][k] for r in range(R)]),
            "recall": mean_valid([recall[t][k] for t in range(T)]),
        })
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
