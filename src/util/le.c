/* Little-endian encoding (le.h). Byte by byte with shifts, so the host's
 * order never matters; compilers turn these into plain loads and stores on
 * little-endian machines. */
#include <string.h>

#include "util/le.h"

void le_put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void le_put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint32_t le_get_u32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t le_get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void le_put_f32(unsigned char *p, float v)
{
	uint32_t bits;

	memcpy(&bits, &v, sizeof bits);
	le_put_u32(p, bits);
}

void le_put_f64(unsigned char *p, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	le_put_u64(p, bits);
}

float le_get_f32(const unsigned char *p)
{
	uint32_t bits = le_get_u32(p);
	float v;

	memcpy(&v, &bits, sizeof v);
	return v;
}

double le_get_f64(const unsigned char *p)
{
	uint64_t bits = le_get_u64(p);
	double v;

	memcpy(&v, &bits, sizeof v);
	return v;
}

void le_put_f32s(unsigned char *p, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		le_put_f32(p + 4 * i, v[i]);
}

void le_get_f32s(float *v, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = le_get_f32(p + 4 * i);
}
