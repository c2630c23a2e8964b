#!/usr/bin/python3
# surprise_references.py - the mpmath references of test_surprise.c (Debian python3-mpmath).
#
#   /usr/bin/python3 src/core/test/surprise_references.py
#
# prints, for each group of test_surprise.c, P(X <= k) and P(X >= k) at 40 digits: the
# Poisson-binomial distribution by the same dynamic program as the core, in mpmath
# arithmetic from the exact doubles the test builds, so the references carry no rounding.
import mpmath as mp
mp.mp.dps = 40


def group_a(n):
    # test_surprise.c, spread_p(): the same double operations, so the same doubles
    return [0.02 + 0.96 * ((i * 7919) % 1009) / 1009.0 for i in range(n)]


def group_b():
    # test_surprise.c, skewed_p(): many unlikely voters, some likely ones
    return [1e-6 * (1 + i % 7) if i % 10 else 0.999 - 1e-4 * (i % 13) for i in range(1500)]


def pmf(ps):
    out = [mp.mpf(1)]
    for p in ps:
        p = mp.mpf(p)
        q = 1 - p
        new = [mp.mpf(0)] * (len(out) + 1)
        for k, v in enumerate(out):
            new[k] += v * q
            new[k + 1] += v * p
        out = new
    return out


def show(name, ps, ks):
    f = pmf(ps)
    for k in ks:
        below = mp.fsum(f[:k + 1])
        above = mp.fsum(f[k:])
        print("%s k=%d below=%s above=%s" % (name, k, mp.nstr(below, 17), mp.nstr(above, 17)))


show("a2000", group_a(2000), [450, 700, 850, 940, 990, 1000, 1010, 1060, 1150, 1300, 1550])
show("b", group_b(), [140, 145, 148, 150, 151, 155])
