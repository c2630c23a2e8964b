#!/usr/bin/env python3
"""gen_states.py - writes the seed corpora of the aggregate-state fuzz targets (src/fuzz/
fuzz_*_state.c): valid states laid out as the core encodes them, and deterministic forgeries of
them (truncations, NaN/infinity, negative counts, flipped bytes).  No server is needed: the
layouts are those of core/rollup.h, core/bandit_state.h, core/evaluate.c, core/walk_state.c and
core/surprise.h.
Usage: gen_states.py CORPUS_ROOT   (writes CORPUS_ROOT/fuzz_<capability>_state/)"""
import math
import os
import struct
import sys

NAN, INF = float("nan"), float("inf")


def doubles(values):
    return struct.pack("<%dd" % len(values), *values)


def rollup_state(ps, exact=True, spare=0):
    n = len(ps)
    s1 = sum(ps)
    s2 = sum(p * (1 - p) for p in ps)
    s3 = sum(p * (1 - p) * (1 - 2 * p) for p in ps)
    return [n, s1, s2, s3, 1.0 if exact else 0.0] + (list(ps) if exact else []) + [0.0] * spare


def rollup_seeds():
    states = {
        "empty": rollup_state([]),
        "one": rollup_state([0.3]),
        "three": rollup_state([0.1, 0.5, 0.9], spare=3),
        "cumulants": rollup_state([0.2] * 50, exact=False),
        "big_exact": rollup_state([(i % 97) / 97 for i in range(300)]),
        "edges": rollup_state([0.0, 1.0, 0.0, 1.0]),
    }
    seeds = {}
    for name, s in states.items():
        # byte 0: how many doubles go to the first state, in units of 8
        seeds["alone_" + name] = bytes([255]) + doubles(s)
        seeds["truncated_" + name] = bytes([255]) + doubles(s[:max(len(s) - 1, 0)])
        seeds["nan_" + name] = bytes([255]) + doubles([NAN] + s[1:])
    a, b = rollup_state([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), rollup_state([0.5] * 4)
    a = a[:16] + [0.0] * (16 - len(a))
    seeds["pair"] = bytes([2]) + doubles(a + b)
    seeds["pair_cumulants"] = bytes([1]) + doubles(rollup_state([0.4] * 3, exact=False)[:8] + [0.0] * 3
                                                 + rollup_state([0.4] * 1200, exact=False))
    seeds["forged_flag"] = bytes([255]) + doubles([1, 0.5, 0.25, 0, 0.5, 0.5])
    seeds["forged_count"] = bytes([255]) + doubles([1e300, 1, 0.25, 0, 0])
    seeds["forged_p"] = bytes([255]) + doubles([1, 0.5, 0.25, 0, 1, 2.0])
    return seeds


TERMS, MIN_EXP = 30, 1000


def surprise_state(ps, voted=0, sketch=False, spare=0):
    """The layout of core/surprise.h: the header, then probabilities or sketch bins."""
    certain = sum(1 for p in ps if p == 1.0)
    unc = [p for p in ps if 0.0 < p < 1.0]
    head = [len(ps), min(voted, len(ps)), certain, sum(ps), 0.0 if sketch else 1.0, len(unc), 0]
    if not sketch:
        return head + unc + [0.0] * spare
    bins = {}
    for p in unc:
        side = 1 if p >= 0.5 else 0
        x = 1.0 - p if side else p
        e = math.frexp(x)[1]
        c = 0.5 if e == 0 else math.ldexp(0.75, e)
        d = (x - c) / c
        b = bins.setdefault(side * (MIN_EXP + 1) - e, [0.0] * (TERMS + 1))
        b[0] += 1
        pw = 1.0
        for j in range(TERMS):
            pw *= d
            b[1 + j] += pw
    head[6] = len(bins)
    out = head
    for key in sorted(bins):
        out += [float(key)] + bins[key]
    return out + [0.0] * spare


def surprise_seeds():
    spread = [0.02 + 0.96 * ((i * 7919) % 1009) / 1009.0 for i in range(30000)]
    states = {
        "empty": surprise_state([]),
        "one": surprise_state([0.3], voted=1),
        "certain": surprise_state([0.0, 1.0, 0.5, 1.0], voted=2, spare=3),
        "exact": surprise_state(spread[:300], voted=120),
        "sketch": surprise_state(spread, voted=15000, sketch=True),
        "sketch_small": surprise_state([0.1, 0.5, 0.9, 1e-300, 1 - 1e-12], voted=2, sketch=True),
    }
    seeds = {}
    for name, s in states.items():
        seeds["alone_" + name] = bytes([255]) + doubles(s)
        seeds["truncated_" + name] = bytes([255]) + doubles(s[:max(len(s) - 1, 0)])
        seeds["nan_" + name] = bytes([255]) + doubles([NAN] + s[1:])
        if len(s) > 9:
            seeds["inf_" + name] = bytes([255]) + doubles(s[:9] + [INF] + s[10:])
    a = surprise_state([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], voted=4)
    a += [0.0] * (16 - len(a))
    seeds["pair"] = bytes([2]) + doubles(a + surprise_state([0.5] * 4, voted=1))
    small = surprise_state([0.4, 0.6, 0.99], voted=1, sketch=True)
    small += [0.0] * (-len(small) % 8)
    seeds["pair_sketches"] = bytes([len(small) // 8]) + doubles(small + states["sketch"])
    seeds["forged_flag"] = bytes([255]) + doubles([1, 0, 0, 0.5, 0.5, 1, 0, 0.5])
    seeds["forged_count"] = bytes([255]) + doubles([1e300, 1, 0, 0.5, 1, 1, 0, 0.5])
    seeds["forged_p"] = bytes([255]) + doubles([1, 0, 0, 0.5, 1, 1, 0, 2.0])
    seeds["forged_bins"] = bytes([255]) + doubles([1, 0, 0, 0.5, 0, 1, 1e9, 5, 1] + [0.0] * 30)
    seeds["forged_moment"] = bytes([255]) + doubles([1, 0, 0, 0.5, 0, 1, 1, 5, 1, 0.9] + [0.0] * 29)
    return seeds


def bandit_seeds():
    kinds = {
        0: [[3, 5, 1, 1], [2, 2, 1, 1], [0, 0, 0, 0], [1, 2, 0.5, 0.5], [-5, 2, 1, 1], [1, 2, NAN, 1]],
        1: [[2.5, 1.5, 1.7e9, 86400, 4], [0, 0, 0, 0, 0], [1, 1, 1.6e9, 3600, 2], [1, 1, 0, 0, 1],
            [1e308, 1e308, 1e9, 1e-300, 3]],
        2: [[3, 10, 150.0], [0, 0, 0], [1, -1, 0], [1e308, 1, 1e308]],
    }
    seeds = {}
    for kind, states in kinds.items():
        width = len(states[0])
        for i, a in enumerate(states):
            for j, b in enumerate(states):
                seeds["k%d_%d_%d" % (kind, i, j)] = bytes([kind, width]) + doubles(a + b)
        seeds["k%d_short" % kind] = bytes([kind, width - 1]) + doubles(states[0] + states[0])
        seeds["k%d_inf" % kind] = bytes([kind, width]) + doubles(states[0] + [INF] * width)
    return seeds


def score_state(bins, groups):
    out = struct.pack("<BII", 1, bins, len(groups))
    for p, pos, neg in groups:
        out += struct.pack("<dQQ", p, pos, neg)
    return out


def evaluate_seeds():
    ties = [(i / 10, i, 10 - i) for i in range(11)]
    seeds = {
        "auc_empty": score_state(0, []),
        "auc_one": score_state(0, [(0.5, 1, 1)]),
        "auc_ties": score_state(0, ties),
        "calibration_10": score_state(10, ties),
        "lift_3": score_state(3, [(0.1, 0, 5), (0.6, 3, 1), (0.95, 7, 0)]),
        "many": score_state(100, [(i / 1000, i % 3, 1) for i in range(1000)]),
        "descending": score_state(0, [(0.6, 1, 1), (0.4, 1, 1)]),
        "zero_count": score_state(0, [(0.5, 0, 0)]),
        "huge_count": score_state(0, [(0.5, 2 ** 60, 1)]),
        "outside": score_state(0, [(1.5, 1, 1)]),
        "bins_too_many": score_state(20000, ties),
        # found by the fuzzer: counts near 2^53 rounded the AUC to 1.0000000000000002
        "auc_rounding": score_state(3, [(0.1, 0, 989855749), (0.6, 3, 1), (0.95, 4503599627370503, 0)]),
        "count_lies": score_state(0, ties)[:5] + struct.pack("<I", 1000) + score_state(0, ties)[9:],
        # 2^51 + 2 rows: merged with a copy they fit in 2^53, merged with itself again they do
        # not, and the merge must refuse rather than wrap
        "self_merge_limit": score_state(0, [(0.3, 2 ** 51, 1), (0.7, 0, 1)]),
    }
    seeds["trailing"] = seeds["auc_ties"] + b"\0"
    for cut in (1, 5, 9, 20, 50):
        seeds["cut_%d" % cut] = seeds["calibration_10"][:cut]
    return seeds


def walk_state(doors, start=None, srid=4326, round_trip=True, geometry_type=12345):
    flags = 1 | (2 if start else 0) | (4 if round_trip else 0)
    sx, sy = start or (0.0, 0.0)
    out = struct.pack("<IIBIddI", 0x574C4B31, geometry_type, flags, srid, sx, sy, len(doors))
    for door_id, x, y in doors:
        out += struct.pack("<qdd", door_id, x, y)
    return out


def walk_seeds():
    grid = [(i, -122 + (i % 10) / 1000, 37 + (i // 10) / 1000) for i in range(60)]
    seeds = {
        "empty": walk_state([]),
        "one": walk_state(grid[:1]),
        "grid": walk_state(grid),
        "start": walk_state(grid[:20], start=(-122.001, 37.0), round_trip=False),
        "planar": walk_state([(i, i * 10.0, (i * 7) % 13) for i in range(30)], srid=0),
        "same_point": walk_state([(i, 1.0, 1.0) for i in range(12)]),
        "negative_ids": walk_state([(-i, i, -i) for i in range(8)]),
        "bad_magic": b"XXXX" + walk_state(grid[:3])[4:],
        "bad_flags": walk_state(grid[:3])[:8] + b"\x09" + walk_state(grid[:3])[9:],
        "nan_door": walk_state([(1, NAN, 0.0)]),
        "inf_start": walk_state(grid[:2], start=(INF, 0.0)),
        "count_lies": walk_state(grid[:3])[:29] + struct.pack("<I", 0xFFFFFFFF) + walk_state(grid[:3])[33:],
    }
    seeds["trailing"] = seeds["grid"] + b"\0\0"
    for cut in (3, 10, 28, 40, 100):
        seeds["cut_%d" % cut] = seeds["grid"][:cut]
    return seeds


def main():
    root = sys.argv[1]
    targets = {"rollup": rollup_seeds(), "bandit": bandit_seeds(), "evaluate": evaluate_seeds(),
               "walk": walk_seeds(), "surprise": surprise_seeds()}
    for capability, seeds in targets.items():
        out = os.path.join(root, "fuzz_%s_state" % capability)
        os.makedirs(out, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
        print("gen_states: %d inputs in %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
