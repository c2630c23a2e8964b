#!/usr/bin/python3
# bandit_references.py - the mpmath references of test_bandit_beta.c (Debian python3-mpmath).
#
#   /usr/bin/python3 src/core/test/bandit_references.py '[[[0.01, 5], [0.05, 0.05]]]'
#
# prints, per case, P(best) of every Beta arm and E[max rate]: mp.quad at 30 digits of
# pdf_i * prod CDF_j in the logit t, with breakpoints at each arm's mode +- multiples of its
# sd and along its exponential tails.  The CDF is x^a (1-x)^b / (a B(a, b)) 2F1(a+b, 1; a+1; x)
# below the mean (positive terms, unlike mpmath's betainc, which cancels for large b) and the
# complement above.  The 50-arm case used the same functions at 20 digits, integrated only
# between the largest 1e-17 lower quantile and the largest upper one.
# The revenue reference: P(RPV1 > RPV2) = E[I_z(shape1, shape2)], z = theta1 rate1 /
# (theta1 rate1 + theta2 rate2), a double mp.quad over the two logits at 15 digits.
import sys, json, mpmath as mp
mp.mp.dps = 30

def inc(a, b, lx, ly, lb):
    # I_x(a, b) = x^a (1-x)^b / (a B(a, b)) 2F1(a+b, 1; a+1; x): positive terms, no cancellation
    return mp.exp(a*lx + b*ly - lb) / a * mp.hyp2f1(a + b, 1, a + 1, mp.exp(lx), maxterms=10**7)

def arm_funcs(a, b):
    a = mp.mpf(a); b = mp.mpf(b)
    lb = mp.log(mp.beta(a, b))
    def parts(t):
        lx = -mp.log1p(mp.exp(-t)); ly = -mp.log1p(mp.exp(t))
        dens = mp.exp(a*lx + b*ly - lb)
        x = mp.exp(lx)
        if x < a / (a + b):
            cdf = inc(a, b, lx, ly, lb)
        else:
            cdf = 1 - inc(b, a, ly, lx, lb)
        return dens, cdf
    return parts

def breakpoints(arms):
    pts = set()
    for a, b in arms:
        a = float(a); b = float(b)
        m = mp.log(a) - mp.log(b); sd = (1/a + 1/b) ** 0.5
        for k in [0, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16]:
            pts.add(float(m + k * min(sd, 3 / b + 0.5 * sd)))
            pts.add(float(m - k * min(sd, 3 / a + 0.5 * sd)))
        # exponential tails: rates a (left) and b (right)
        for k in [1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 80]:
            pts.add(float(m - k / a)); pts.add(float(m + k / b))
    return sorted(pts)

def compute(arms):
    fs = [arm_funcs(a, b) for a, b in arms]
    n = len(arms)
    pts = breakpoints(arms)
    res = [mp.mpf(0)] * n
    emax = mp.mpf(0)
    cache = {}
    def ev(t):
        key = t
        if key not in cache:
            cache[key] = [f(t) for f in fs]
        return cache[key]
    for i in range(n):
        def g(t, i=i):
            v = ev(t)
            p = v[i][0]
            for j in range(n):
                if j != i: p *= v[j][1]
            return p
        res[i] = mp.quad(g, pts)
    def h(t):
        v = ev(t); tot = 0
        for i in range(n):
            p = v[i][0]
            for j in range(n):
                if j != i: p *= v[j][1]
            tot += p
        return tot / (1 + mp.exp(-t))
    emax = mp.quad(h, pts)
    return res, emax

if __name__ == '__main__':
    cases = json.loads(sys.argv[1])
    for arms in cases:
        res, emax = compute(arms)
        print(json.dumps({"arms": arms, "p": [mp.nstr(r, 17) for r in res],
                          "sum": mp.nstr(sum(res), 20), "emax": mp.nstr(emax, 17)}), flush=True)
