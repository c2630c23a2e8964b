#!/usr/bin/python3
# revenue_loss_references.py - the mpmath references of test_revenue_expected_loss_heavy_tails
# (test_bandit_revenue.c), independent of the size-biased identity the core uses:
#
#   /usr/bin/python3 src/core/test/revenue_loss_references.py 2 1.1 1.01
#
# prints, per gift shape s, the expected losses of two arms with conversion Beta(1, 1) and
# rates 1000 and 1.  RPV = theta r / G exceeds x with probability
# 1 - F(x) = P(s, c) - (s / c) P(s + 1, c), c = r / x (lower regularized gammas, integrated
# over theta in closed form), and E[max] = integral of (1 - F1 F2)(e^y) e^y dy, by mp.quad at
# 40 digits on panels 2 wide, then doubling, out to where the tail e^(-(s - 1) y) is gone;
# E[RPV] of one arm from the same integral checks the range against r / (2 (s - 1)).
# E[max] of two revenue arms with Beta(1,1) conversion: F(x) = Q(s,c) + (s/c) P(s+1,c), c = r/x
import mpmath as mp, sys
mp.mp.dps = 40
def S(s, r, y):
    # 1 - F: P(s, c) - (s/c) P(s+1, c), both lower regularized (no cancellation against 1)
    c = r / mp.exp(y)
    return mp.gammainc(s, 0, c, regularized=True) - s / c * mp.gammainc(s + 1, 0, c, regularized=True)
def emax(arms, ymax):
    f = lambda y: (lambda g: g[0] + g[1] - g[0] * g[1] if len(g) == 2 else g[0])([S(s, r, y) for s, r in arms]) * mp.exp(y)
    lo = min(mp.log(r) for s, r in arms) - 60
    pts = [lo] + [mp.mpf(v) for v in range(int(lo) + 1, 40, 2)] + [mp.mpf(v) for v in (40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480)]
    pts = [p for p in pts if p <= ymax] + [ymax]
    return mp.quad(f, pts)
for s in [float(a) for a in sys.argv[1:]]:
    s = mp.mpf(s)
    ymax = mp.mpf(30) + 60 / (s - 1)   # tail beyond: (1-F) e^y ~ e^{-(s-1) y}
    arms = [(s, mp.mpf(1000)), (s, mp.mpf(1))]
    means = [mp.mpf(1) / 2 * r / (s - 1) for s, r in arms]
    m1 = emax([arms[0]], ymax)
    e = emax(arms, ymax)
    print("shape", s, "mean1 check", mp.nstr(m1, 15), mp.nstr(means[0], 15), "loss", mp.nstr(e - means[0], 15), mp.nstr(e - means[1], 15))
