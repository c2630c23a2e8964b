/*
 * surprise.c - turnout surprise: exact Poisson-binomial tails by dynamic programming, and a
 * bounded sketch of the cumulant generating function with a saddlepoint approximation past
 * the exact limit (layout and error bound in surprise.h).
 */
#include "surprise.h"

#include <math.h>
#include <string.h>

#include "memory.h"

/* Counts are exact in a double up to 2^53. */
#define MAX_COUNT 9007199254740992.0
/* Room for the rounding of long sums of values that are each within bounds. */
#define SUM_SLACK(n) (1e-9 * (n) + 1e-9)

#define S_N 0
#define S_OBSERVED 1
#define S_CERTAIN 2
#define S_EXPECTED 3
#define S_EXACT 4
#define S_M 5
#define S_BINS 6

#define KEY_SIDE (CM_SURPRISE_MIN_EXP + 1)


void
cm_surprise_state_init(double *s)
{
	memset(s, 0, CM_SURPRISE_HEADER * sizeof(double));
	s[S_EXACT] = 1.0;
}

static bool
is_count(double v)
{
	return isfinite(v) && v >= 0.0 && v <= MAX_COUNT && v == floor(v);
}

static bool
is_exact(const double *s)
{
	return s[S_EXACT] == 1.0;
}

static double *
bin_at(double *s, size_t i)
{
	return s + CM_SURPRISE_HEADER + i * CM_SURPRISE_BIN_LEN;
}

static const double *
cbin_at(const double *s, size_t i)
{
	return s + CM_SURPRISE_HEADER + i * CM_SURPRISE_BIN_LEN;
}

cm_status
cm_surprise_state_check(const double *s, size_t len)
{
	double		n,
				m;

	if (len < CM_SURPRISE_HEADER)
		return cm_fail(CM_ERR_CORRUPT, "surprise state has %zu entries, needs at least %d",
					   len, CM_SURPRISE_HEADER);
	n = s[S_N];
	m = s[S_M];
	if (!is_count(n) || !is_count(s[S_OBSERVED]) || !is_count(s[S_CERTAIN]) || !is_count(m) ||
		s[S_OBSERVED] > n || s[S_CERTAIN] + m > n)
		return cm_fail(CM_ERR_CORRUPT, "surprise state has invalid counts");
	/*
	 * Only what every path keeps: the sum of the kept probabilities is not reread (O(m) per
	 * row), so a forged one can disagree with it, and the sketch rounds p within 2^-1001 of 0
	 * or 1 without touching the sum.
	 */
	if (!isfinite(s[S_EXPECTED]) || s[S_EXPECTED] < -SUM_SLACK(n) || s[S_EXPECTED] > n + SUM_SLACK(n))
		return cm_fail(CM_ERR_CORRUPT, "surprise state has an inconsistent expected count");
	if (s[S_EXACT] != 0.0 && s[S_EXACT] != 1.0)
		return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid exact flag");
	if (is_exact(s))
	{
		if (s[S_BINS] != 0.0 || m > CM_SURPRISE_EXACT_MAX)
			return cm_fail(CM_ERR_CORRUPT, "surprise state keeps too many probabilities");
		if (m > (double) (len - CM_SURPRISE_HEADER))
			return cm_fail(CM_ERR_CORRUPT, "surprise state is truncated");
	}
	else
	{
		double		bins = s[S_BINS],
					total = 0.0,
					last = -1.0;

		if (!is_count(bins) || bins > CM_SURPRISE_MAX_BINS)
			return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid bin count");
		if (bins * CM_SURPRISE_BIN_LEN > (double) (len - CM_SURPRISE_HEADER))
			return cm_fail(CM_ERR_CORRUPT, "surprise state is truncated");
		for (size_t i = 0; i < (size_t) bins; i++)
		{
			const double *b = cbin_at(s, i);

			if (!is_count(b[0]) || b[0] >= CM_SURPRISE_MAX_BINS || b[0] <= last ||
				!is_count(b[1]) || b[1] < 1.0)
				return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid bin");
			last = b[0];
			total += b[1];
		}
		if (total != m)
			return cm_fail(CM_ERR_CORRUPT, "surprise state bins do not add up to its voters");
	}
	return CM_OK;
}

size_t
cm_surprise_used_len(const double *s)
{
	if (is_exact(s))
		return CM_SURPRISE_HEADER + (size_t) s[S_M];
	return CM_SURPRISE_HEADER + (size_t) s[S_BINS] * CM_SURPRISE_BIN_LEN;
}

/* ---- sketch bins ---------------------------------------------------------------------- */

typedef enum voter_kind
{
	NEVER,						/* p = 0, or within 2^-1001 of it in a sketch */
	ALWAYS,						/* p = 1, or within 2^-1001 of it in a sketch */
	BINNED
} voter_kind;

/* Where a voter of probability p goes in a sketch: its bin key and relative deviation. */
static voter_kind
classify(double p, int *key, double *d)
{
	int			side = p >= 0.5,
				e;
	double		x = side ? 1.0 - p : p,	/* exact for p >= 1/2 (Sterbenz) */
				c;

	if (p <= 0.0)
		return NEVER;
	if (p >= 1.0)
		return ALWAYS;
	(void) frexp(x, &e);
	if (e < -CM_SURPRISE_MIN_EXP)
		return side ? ALWAYS : NEVER;
	c = e == 0 ? 0.5 : ldexp(0.75, e);
	*key = side * KEY_SIDE - e;
	*d = (x - c) / c;
	return BINNED;
}

static double
bin_centre(int key)
{
	int			e = -(key % KEY_SIDE);

	return e == 0 ? 0.5 : ldexp(0.75, e);
}

static void
bin_add(double *bin, double d)
{
	double		pw = 1.0;

	bin[1] += 1.0;
	for (int j = 0; j < CM_SURPRISE_TERMS; j++)
	{
		pw *= d;
		bin[2 + j] += pw;
	}
}

/* Index of the bin of key among the n sorted bins of s, or where it would go (*found false). */
static size_t
bin_find(const double *s, size_t n, int key, bool *found)
{
	size_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		double		k = cbin_at(s, mid)[0];

		if (k == key)
		{
			*found = true;
			return mid;
		}
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static cm_status
check_probabilities(const double *p, size_t m)
{
	for (size_t i = 0; i < m; i++)
		if (!(p[i] > 0.0 && p[i] < 1.0))	/* NaN fails too */
			return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid probability");
	return CM_OK;
}

/*
 * The sketch of uncertain probabilities p[0..m) as sorted bins in *bins (caller frees), their
 * number, and the voters rounded to certain ones (*always) or to zero (*never).
 */
static cm_status
sketch_build(const double *p, size_t m, double **bins, size_t *nbins, double *always,
			 double *never)
{
	double	   *dense,
			   *out;
	size_t		used = 0;

	CM_TRY(check_probabilities(p, m));
	CM_TRY(cm_alloc_array((size_t) CM_SURPRISE_MAX_BINS * CM_SURPRISE_BIN_LEN, sizeof(double),
						  (void **) &dense));
	memset(dense, 0, (size_t) CM_SURPRISE_MAX_BINS * CM_SURPRISE_BIN_LEN * sizeof(double));
	*always = *never = 0.0;
	for (size_t i = 0; i < m; i++)
	{
		int			key = 0;
		double		d = 0.0;

		switch (classify(p[i], &key, &d))
		{
			case NEVER:
				*never += 1.0;
				break;
			case ALWAYS:
				*always += 1.0;
				break;
			case BINNED:
				bin_add(dense + (size_t) key * CM_SURPRISE_BIN_LEN, d);
				break;
		}
	}
	for (int key = 0; key < CM_SURPRISE_MAX_BINS; key++)
		used += dense[(size_t) key * CM_SURPRISE_BIN_LEN + 1] > 0.0;
	if (cm_alloc_array(used ? used * CM_SURPRISE_BIN_LEN : 1, sizeof(double), (void **) &out) != CM_OK)
	{
		cm_free(dense);
		return CM_ERR_NOMEM;
	}
	used = 0;
	for (int key = 0; key < CM_SURPRISE_MAX_BINS; key++)
	{
		double	   *src = dense + (size_t) key * CM_SURPRISE_BIN_LEN;

		if (src[1] > 0.0)
		{
			src[0] = key;
			memcpy(out + used * CM_SURPRISE_BIN_LEN, src, CM_SURPRISE_BIN_LEN * sizeof(double));
			used++;
		}
	}
	cm_free(dense);
	*bins = out;
	*nbins = used;
	return CM_OK;
}

/* The bins of a checked state, built from its probabilities when it keeps them. */
static cm_status
state_bins(const double *s, double **bins, size_t *nbins, double *always, double *never,
		   bool *owned)
{
	if (is_exact(s))
	{
		*owned = true;
		return sketch_build(s + CM_SURPRISE_HEADER, (size_t) s[S_M], bins, nbins, always, never);
	}
	*owned = false;
	*bins = (double *) (s + CM_SURPRISE_HEADER);
	*nbins = (size_t) s[S_BINS];
	*always = *never = 0.0;
	return CM_OK;
}

/* Distinct bins among p[0..m) and one more probability q. */
static cm_status
count_bins(const double *p, size_t m, double q, size_t *count)
{
	bool		seen[CM_SURPRISE_MAX_BINS] = {false};
	size_t		n = 0;

	CM_TRY(check_probabilities(p, m));
	for (size_t i = 0; i <= m; i++)
	{
		int			key = 0;
		double		d;

		if (classify(i < m ? p[i] : q, &key, &d) == BINNED && !seen[key])
		{
			seen[key] = true;
			n++;
		}
	}
	*count = n;
	return CM_OK;
}

/* ---- the state ------------------------------------------------------------------------ */

cm_status
cm_surprise_len_after_add(const double *s, double p, size_t *need)
{
	size_t		used = cm_surprise_used_len(s),
				m = (size_t) s[S_M];
	int			key = 0;
	double		d;
	bool		found;

	if (p <= 0.0 || p >= 1.0)
		*need = used;
	else if (is_exact(s) && m < CM_SURPRISE_EXACT_MAX)
		*need = used + 1;
	else if (is_exact(s))
	{
		size_t		bins;

		CM_TRY(count_bins(s + CM_SURPRISE_HEADER, m, p, &bins));
		*need = CM_SURPRISE_HEADER + bins * CM_SURPRISE_BIN_LEN;
	}
	else if (classify(p, &key, &d) != BINNED)
		*need = used;
	else
	{
		(void) bin_find(s, (size_t) s[S_BINS], key, &found);
		*need = used + (found ? 0 : CM_SURPRISE_BIN_LEN);
	}
	return CM_OK;
}

/* Turn a state's probabilities into its sketch, in place (len from cm_surprise_len_after_add). */
static cm_status
to_sketch(double *s, size_t len)
{
	double	   *bins;
	size_t		nbins;
	double		always,
				never;

	CM_TRY(sketch_build(s + CM_SURPRISE_HEADER, (size_t) s[S_M], &bins, &nbins, &always, &never));
	if (CM_SURPRISE_HEADER + nbins * CM_SURPRISE_BIN_LEN > len)
	{
		cm_free(bins);
		return cm_fail(CM_ERR_INTERNAL, "surprise state buffer too short");
	}
	memcpy(s + CM_SURPRISE_HEADER, bins, nbins * CM_SURPRISE_BIN_LEN * sizeof(double));
	cm_free(bins);
	s[S_EXACT] = 0.0;
	s[S_BINS] = (double) nbins;
	s[S_CERTAIN] += always;
	s[S_M] -= always + never;
	return CM_OK;
}

cm_status
cm_surprise_add(double *s, size_t len, double p, bool voted)
{
	size_t		need;
	int			key = 0;
	double		d = 0.0;

	if (s[S_N] + 1.0 > MAX_COUNT)
		return cm_fail(CM_ERR_LIMIT, "surprise group exceeds %.0f voters", MAX_COUNT);
	CM_TRY(cm_surprise_len_after_add(s, p, &need));
	if (len < need)
		return cm_fail(CM_ERR_INTERNAL, "surprise state buffer too short");
	s[S_N] += 1.0;
	s[S_OBSERVED] += voted ? 1.0 : 0.0;
	s[S_EXPECTED] += p;
	if (p <= 0.0)
		return CM_OK;
	if (p >= 1.0)
	{
		s[S_CERTAIN] += 1.0;
		return CM_OK;
	}
	if (is_exact(s) && s[S_M] < CM_SURPRISE_EXACT_MAX)
	{
		s[CM_SURPRISE_HEADER + (size_t) s[S_M]] = p;
		s[S_M] += 1.0;
		return CM_OK;
	}
	if (is_exact(s))
		CM_TRY(to_sketch(s, len));
	switch (classify(p, &key, &d))
	{
		case NEVER:
			break;
		case ALWAYS:
			s[S_CERTAIN] += 1.0;
			break;
		case BINNED:
			{
				size_t		nbins = (size_t) s[S_BINS];
				bool		found;
				size_t		at = bin_find(s, nbins, key, &found);
				double	   *bin = bin_at(s, at);

				if (!found)
				{
					memmove(bin_at(s, at + 1), bin,
							(nbins - at) * CM_SURPRISE_BIN_LEN * sizeof(double));
					memset(bin, 0, CM_SURPRISE_BIN_LEN * sizeof(double));
					bin[0] = key;
					s[S_BINS] += 1.0;
				}
				bin_add(bin, d);
				s[S_M] += 1.0;
			}
			break;
	}
	return CM_OK;
}

/* Merge two sorted bin lists into out (room for na + nb bins); returns the bins written. */
static size_t
merge_bins(const double *a, size_t na, const double *b, size_t nb, double *out)
{
	size_t		i = 0,
				j = 0,
				n = 0;

	while (i < na || j < nb)
	{
		const double *x = i < na ? a + i * CM_SURPRISE_BIN_LEN : NULL;
		const double *y = j < nb ? b + j * CM_SURPRISE_BIN_LEN : NULL;
		double	   *o = out + n * CM_SURPRISE_BIN_LEN;

		if (x && (!y || x[0] < y[0]))
		{
			memcpy(o, x, CM_SURPRISE_BIN_LEN * sizeof(double));
			i++;
		}
		else if (!x || y[0] < x[0])
		{
			memcpy(o, y, CM_SURPRISE_BIN_LEN * sizeof(double));
			j++;
		}
		else
		{
			o[0] = x[0];
			for (int k = 1; k < CM_SURPRISE_BIN_LEN; k++)
				o[k] = x[k] + y[k];
			i++;
			j++;
		}
		n++;
	}
	return n;
}

cm_status
cm_surprise_combine(const double *a, size_t alen, const double *b, size_t blen,
					double **out, size_t *out_len)
{
	double		ma = a[S_M],
				mb = b[S_M];
	double	   *o;

	(void) alen;
	(void) blen;
	if (a[S_N] + b[S_N] > MAX_COUNT)
		return cm_fail(CM_ERR_LIMIT, "surprise group exceeds %.0f voters", MAX_COUNT);
	if (is_exact(a) && is_exact(b) && ma + mb <= CM_SURPRISE_EXACT_MAX)
	{
		size_t		len = CM_SURPRISE_HEADER + (size_t) (ma + mb);

		CM_TRY(cm_alloc_array(len, sizeof(double), (void **) &o));
		for (int i = 0; i < CM_SURPRISE_HEADER; i++)
			o[i] = a[i] + b[i];
		o[S_EXACT] = 1.0;
		o[S_BINS] = 0.0;
		memcpy(o + CM_SURPRISE_HEADER, a + CM_SURPRISE_HEADER, (size_t) ma * sizeof(double));
		memcpy(o + CM_SURPRISE_HEADER + (size_t) ma, b + CM_SURPRISE_HEADER,
			   (size_t) mb * sizeof(double));
		*out = o;
		*out_len = len;
		return CM_OK;
	}
	else
	{
		double	   *ba,
				   *bb;
		size_t		na,
					nb,
					n,
					len;
		double		alw_a,
					nev_a,
					alw_b,
					nev_b;
		bool		own_a,
					own_b;
		cm_status	st;

		CM_TRY(state_bins(a, &ba, &na, &alw_a, &nev_a, &own_a));
		st = state_bins(b, &bb, &nb, &alw_b, &nev_b, &own_b);
		if (st == CM_OK)
		{
			len = CM_SURPRISE_HEADER + (na + nb) * CM_SURPRISE_BIN_LEN;
			st = cm_alloc_array(len, sizeof(double), (void **) &o);
			if (st == CM_OK)
			{
				for (int i = 0; i < CM_SURPRISE_HEADER; i++)
					o[i] = a[i] + b[i];
				n = merge_bins(ba, na, bb, nb, o + CM_SURPRISE_HEADER);
				o[S_EXACT] = 0.0;
				o[S_BINS] = (double) n;
				o[S_CERTAIN] += alw_a + alw_b;
				o[S_M] -= alw_a + nev_a + alw_b + nev_b;
				*out = o;
				*out_len = CM_SURPRISE_HEADER + n * CM_SURPRISE_BIN_LEN;
			}
			if (own_b)
				cm_free(bb);
		}
		if (own_a)
			cm_free(ba);
		return st;
	}
}

/* ---- the saddlepoint approximation ---------------------------------------------------- */

typedef struct sketch
{
	const double *bins;
	size_t		nbins;
	double		certain;		/* voters counted as p = 1 */
	double		m;				/* binned voters */
	double		m_high;			/* of them, on the side p >= 1/2 */
} sketch;

/* One bin's share of the cumulant generating function and its two derivatives at t. */
static void
bin_cgf(const double *bin, double t, double *k0, double *k1, double *k2)
{
	double		c = bin_centre((int) bin[0]),
				count = bin[1],
				g,
				alpha,
				rho,
				v;
	double		f0 = 0.0,
				f1 = 0.0,
				f2 = 0.0,
				pw = 1.0,		/* v^(j-1) */
				pw2 = 0.0;		/* v^(j-2) */

	if (t < 0.0)
	{
		double		um1 = expm1(t),
					dd = 1.0 + c * um1;

		g = log1p(c * um1);
		alpha = c * exp(t) / dd;
		rho = 1.0 / dd;
		v = c * um1 / dd;
	}
	else
	{
		double		e = exp(-t),
					dd = c + (1.0 - c) * e;

		g = t + log(dd);
		alpha = c / dd;
		rho = e / dd;
		v = -c * expm1(-t) / dd;
	}
	for (int j = 1; j <= CM_SURPRISE_TERMS; j++)
	{
		double		dj = bin[1 + j],
					sign = (j & 1) ? 1.0 : -1.0;

		f1 += sign * dj * pw;
		f2 += sign * (j - 1) * dj * pw2;
		f0 += sign * dj * pw * v / j;
		pw2 = pw;
		pw *= v;
	}
	{
		double		dv = alpha * rho,
					d2v = alpha * rho * (1.0 - 2.0 * alpha);

		*k0 = count * g + f0;
		*k1 = count * alpha + f1 * dv;
		*k2 = count * (1.0 - c) * alpha * rho + f2 * dv * dv + f1 * d2v;
	}
}

/* K(t), K'(t), K''(t) of the count X. */
static void
sketch_cgf(const sketch *sk, double t, double *k0, double *k1, double *k2)
{
	double		a0 = sk->certain * t,
				a1 = sk->certain,
				a2 = 0.0;

	a0 += sk->m_high * t;
	a1 += sk->m_high;
	for (size_t i = 0; i < sk->nbins; i++)
	{
		const double *bin = sk->bins + i * CM_SURPRISE_BIN_LEN;
		double		b0,
					b1,
					b2;

		if (bin[0] < KEY_SIDE)
		{
			bin_cgf(bin, t, &b0, &b1, &b2);
			a0 += b0;
			a1 += b1;
		}
		else
		{
			/* the count of such voters is one minus a Bernoulli(1 - p) */
			bin_cgf(bin, -t, &b0, &b1, &b2);
			a0 += b0;
			a1 -= b1;
		}
		a2 += b2;
	}
	*k0 = a0;
	*k1 = a1;
	*k2 = a2;
}

/* The same for sign * X. */
static void
signed_cgf(const sketch *sk, double sign, double t, double *k0, double *k1, double *k2)
{
	sketch_cgf(sk, sign * t, k0, k1, k2);
	*k1 *= sign;
}

static double
normal_sf(double x)
{
	return 0.5 * erfc(x / M_SQRT2);
}

static double
normal_pdf(double x)
{
	return exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

/* The saddle s with K'(s) = y for sign * X; false when no bracket is found (a forged sketch). */
static bool
solve_saddle(const sketch *sk, double sign, double y, double *s)
{
	double		lo = -1.0,
				hi = 1.0,
				k0,
				k1,
				k2,
				t = 0.0;

	for (signed_cgf(sk, sign, hi, &k0, &k1, &k2); !(k1 > y); signed_cgf(sk, sign, hi, &k0, &k1, &k2))
		if ((hi *= 2.0) > 4096.0)
			return false;
	for (signed_cgf(sk, sign, lo, &k0, &k1, &k2); !(k1 < y); signed_cgf(sk, sign, lo, &k0, &k1, &k2))
		if ((lo *= 2.0) < -4096.0)
			return false;
	/* Newton's method, kept inside the bracket by bisection */
	for (int i = 0; i < 200 && hi - lo > 1e-15 * (1.0 + fabs(t)); i++)
	{
		double		next;

		signed_cgf(sk, sign, t, &k0, &k1, &k2);
		if (!isfinite(k1) || !isfinite(k2))
			return false;
		if (k1 > y)
			hi = t;
		else
			lo = t;
		next = k2 > 0.0 ? t - (k1 - y) / k2 : 0.5 * (lo + hi);
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (fabs(next - t) <= 1e-15 * (1.0 + fabs(t)))
		{
			t = next;
			break;
		}
		t = next;
	}
	*s = t;
	return true;
}

/*
 * P(sign X >= k) for an integer k inside the support, by the second continuity-corrected
 * Lugannani-Rice formula (Daniels 1987): saddle at k - 1/2.  Next to the mean, where the
 * formula is 0/0, the Edgeworth expansion it tends to.
 */
static cm_status
upper_tail(const sketch *sk, double sign, double k, double *out)
{
	double		y = k - 0.5,
				mean,
				var,
				k0,
				s,
				z;

	signed_cgf(sk, sign, 0.0, &k0, &mean, &var);
	if (!(var > 0.0) || !isfinite(mean) || !isfinite(var))
		return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid sketch");
	z = (y - mean) / sqrt(var);
	if (fabs(z) < 1e-3)
	{
		double		h = 1e-3 / sqrt(var),
					a0,
					a1,
					ap,
					am,
					gamma;

		signed_cgf(sk, sign, h, &a0, &a1, &ap);
		signed_cgf(sk, sign, -h, &a0, &a1, &am);
		gamma = (ap - am) / (2.0 * h) / (var * sqrt(var));
		*out = normal_sf(z) + normal_pdf(z) * gamma * (z * z - 1.0) / 6.0;
	}
	else
	{
		double		k1,
					k2,
					r,
					q;

		if (!solve_saddle(sk, sign, y, &s))
			return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid sketch");
		signed_cgf(sk, sign, s, &k0, &k1, &k2);
		r = (s < 0.0 ? -1.0 : 1.0) * sqrt(fmax(0.0, 2.0 * (s * y - k0)));
		q = 2.0 * sinh(0.5 * s) * sqrt(k2);
		if (!isfinite(r) || !isfinite(q) || r == 0.0 || q == 0.0)
			return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid sketch");
		*out = normal_sf(r) + normal_pdf(r) * (1.0 / q - 1.0 / r);
	}
	*out = fmin(1.0, fmax(0.0, *out));
	return CM_OK;
}

/*
 * log P(every binned voter of a bin is on the side t -> +infinity (top) or -infinity picks):
 * the limit of the bin's K(t) - count max(t, 0), from the same series (v -> 1 or -c/(1-c)).
 */
static double
bin_log_limit(const double *bin, bool top)
{
	double		c = bin_centre((int) bin[0]),
				v = top ? 1.0 : -c / (1.0 - c),
				f0 = 0.0,
				pw = 1.0;

	for (int j = 1; j <= CM_SURPRISE_TERMS; j++)
	{
		pw *= v;
		f0 += ((j & 1) ? 1.0 : -1.0) * bin[1 + j] * pw / j;
	}
	return bin[1] * (top ? log(c) : log1p(-c)) + f0;
}

/* log P(X = max) (top) or log P(X = min): the ends of the support, where the saddle is at infinity. */
static double
log_end(const sketch *sk, bool top)
{
	double		sum = 0.0;

	for (size_t i = 0; i < sk->nbins; i++)
	{
		const double *bin = sk->bins + i * CM_SURPRISE_BIN_LEN;

		/* a voter of the high side is at the top when its Bernoulli(1 - p) is 0 */
		sum += bin_log_limit(bin, bin[0] < KEY_SIDE ? top : !top);
	}
	return sum;
}

static cm_status
sketch_tails(const sketch *sk, double k, double *below, double *above)
{
	double		lo = sk->certain,
				hi = sk->certain + sk->m;

	if (k < lo)
		*below = 0.0;
	else if (k >= hi)
		*below = 1.0;
	else if (k == lo)
		*below = exp(log_end(sk, false));
	else
		CM_TRY(upper_tail(sk, -1.0, -k, below));
	if (k <= lo)
		*above = 1.0;
	else if (k > hi)
		*above = 0.0;
	else if (k == hi)
		*above = exp(log_end(sk, true));
	else
		CM_TRY(upper_tail(sk, 1.0, k, above));
	return CM_OK;
}

static sketch
make_sketch(const double *bins, size_t nbins, double certain)
{
	sketch		sk = {bins, nbins, certain, 0.0, 0.0};

	for (size_t i = 0; i < nbins; i++)
	{
		const double *b = bins + i * CM_SURPRISE_BIN_LEN;

		sk.m += b[1];
		if (b[0] >= KEY_SIDE)
			sk.m_high += b[1];
	}
	return sk;
}

/* The series terms of every bin within their bound, so the series converges as documented. */
static cm_status
check_moments(const double *bins, size_t nbins)
{
	for (size_t i = 0; i < nbins; i++)
	{
		const double *b = bins + i * CM_SURPRISE_BIN_LEN;
		double		bound = b[1] * (1.0 + 1e-9);

		for (int j = 1; j <= CM_SURPRISE_TERMS; j++)
		{
			bound /= 3.0;
			if (!(fabs(b[1 + j]) <= bound))
				return cm_fail(CM_ERR_CORRUPT, "surprise state has an invalid sketch");
		}
	}
	return CM_OK;
}

cm_status
cm_surprise_sketch_tails(const double *p, size_t m, double certain, double k,
						 double *below, double *above)
{
	double	   *bins;
	size_t		nbins;
	double		always,
				never;
	sketch		sk;
	cm_status	st;

	CM_TRY(sketch_build(p, m, &bins, &nbins, &always, &never));
	sk = make_sketch(bins, nbins, certain + always);
	st = sketch_tails(&sk, k, below, above);
	cm_free(bins);
	return st;
}

/* ---- exact tails ---------------------------------------------------------------------- */

/*
 * The distribution of the count of p[0..m) into pmf[0..m] (caller frees): the dynamic
 * program P'(k) = P(k)(1-p) + P(k-1)p, two voters per pass and out of place, so one pass
 * over memory does twice the work and the loop vectorizes (2.7x rollup's in-place one).
 * Every term is a sum of products of non-negative numbers: relative error below 3m eps
 * per entry, tiny tails included.
 */
static cm_status
pmf_pairs(const double *p, size_t m, double **pmf)
{
	double	   *f,
			   *g;
	size_t		len,
				n = 0;			/* voters in f so far */

	if (!cm_add_size(m, 3, &len))
		return cm_fail(CM_ERR_LIMIT, "too many voters for an exact distribution");
	CM_TRY(cm_alloc_array(len, sizeof(double), (void **) &f));
	if (cm_alloc_array(len, sizeof(double), (void **) &g) != CM_OK)
	{
		cm_free(f);
		return CM_ERR_NOMEM;
	}
	memset(f, 0, len * sizeof(double));
	memset(g, 0, len * sizeof(double));
	f[0] = 1.0;
	for (; n + 2 <= m; n += 2)
	{
		double		a = p[n],
					b = p[n + 1],
					qa = 1.0 - a,
					qb = 1.0 - b,
					c0 = qa * qb,
					c1 = a * qb + qa * b,
					c2 = a * b,
				   *t;

		/* f[n + 1] and f[n + 2] are 0: the count of n voters is at most n */
		g[0] = f[0] * c0;
		g[1] = f[1] * c0 + f[0] * c1;
		for (size_t k = 2; k <= n + 2; k++)
			g[k] = f[k] * c0 + f[k - 1] * c1 + f[k - 2] * c2;
		t = f;
		f = g;
		g = t;
		if ((n & 4094) == 0 && cm_check_interrupts() != CM_OK)
		{
			cm_free(f);
			cm_free(g);
			return CM_ERR_CANCELED;
		}
	}
	if (n < m)
	{
		double		a = p[n],
					qa = 1.0 - a;

		f[n + 1] = f[n] * a;
		for (size_t k = n; k > 0; k--)
			f[k] = f[k] * qa + f[k - 1] * a;
		f[0] *= qa;
	}
	cm_free(g);
	*pmf = f;
	return CM_OK;
}

static cm_status
exact_tails(const double *p, size_t m, double certain, double k, double *below, double *above)
{
	double		z = k - certain;
	double	   *pmf = NULL;

	CM_TRY(check_probabilities(p, m));
	if (z < 0.0)
	{
		*below = 0.0;
		*above = 1.0;
		return CM_OK;
	}
	if (z > (double) m)
	{
		*below = 1.0;
		*above = 0.0;
		return CM_OK;
	}
	CM_TRY(pmf_pairs(p, m, &pmf));
	{
		size_t		zi = (size_t) z;
		double		lo = 0.0,
					hi = 0.0;

		/* from each far end inwards: sums of non-negative terms keep tiny tails relative-exact */
		for (size_t j = 0; j <= zi; j++)
			lo += pmf[j];
		for (size_t j = m + 1; j-- > zi;)
			hi += pmf[j];
		*below = fmin(1.0, lo);
		*above = fmin(1.0, hi);
	}
	cm_free(pmf);
	return CM_OK;
}

cm_status
cm_surprise_final(const double *s, size_t len, cm_surprise *out)
{
	CM_TRY(cm_surprise_state_check(s, len));
	out->n = s[S_N];
	out->observed = s[S_OBSERVED];
	out->expected = fmin(fmax(s[S_EXPECTED], 0.0), s[S_N]);
	out->exact = is_exact(s);
	if (is_exact(s))
		return exact_tails(s + CM_SURPRISE_HEADER, (size_t) s[S_M], s[S_CERTAIN], s[S_OBSERVED],
						   &out->p_below, &out->p_above);
	else
	{
		const double *bins = s + CM_SURPRISE_HEADER;
		size_t		nbins = (size_t) s[S_BINS];
		sketch		sk;

		CM_TRY(check_moments(bins, nbins));
		sk = make_sketch(bins, nbins, s[S_CERTAIN]);
		return sketch_tails(&sk, s[S_OBSERVED], &out->p_below, &out->p_above);
	}
}
