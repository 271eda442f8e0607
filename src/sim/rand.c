// SPDX-License-Identifier: MIT
/*
 * The simulation's only source of randomness: xoshiro256** (Blackman and
 * Vigna), seeded through splitmix64 so that neighbouring seeds give
 * unrelated streams.  Lemire's multiply-shift makes bounded draws unbiased.
 */
#include "sim_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void sva_rand_seed(struct sva_sim *sim, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		sim->rng[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sva_rand64(struct sva_sim *sim)
{
	uint64_t *s = sim->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sva_rand_below(struct sva_sim *sim, uint64_t n)
{
	unsigned __int128 m;
	uint64_t lo;

	assert(n > 0);
	m = (unsigned __int128)sva_rand64(sim) * n;
	lo = (uint64_t)m;
	if (lo < n) {
		uint64_t thresh = -n % n;

		while (lo < thresh) {
			m = (unsigned __int128)sva_rand64(sim) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

bool sva_rand_chance(struct sva_sim *sim, uint32_t num, uint32_t den)
{
	assert(den > 0);
	return sva_rand_below(sim, den) < num;
}
