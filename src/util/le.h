/*
 * le.h - values to and from little-endian bytes, whatever the host's byte
 * order: the model file (train/checkpoint.h) and the optimiser state in it
 * are written with these, so a file means the same on every machine.
 *
 * Floats travel as their IEEE-754 bits (binary32 and binary64), NaNs and
 * signed zeros included. The put functions write exactly 4 or 8 bytes (4 * n
 * for arrays) at p; the get functions read as many. Nothing here checks
 * bounds: the caller has made sure the bytes are there.
 */
#ifndef DL_UTIL_LE_H
#define DL_UTIL_LE_H

#include <stddef.h>
#include <stdint.h>

void le_put_u32(unsigned char *p, uint32_t v);
void le_put_u64(unsigned char *p, uint64_t v);
void le_put_f32(unsigned char *p, float v);
void le_put_f64(unsigned char *p, double v);
uint32_t le_get_u32(const unsigned char *p);
uint64_t le_get_u64(const unsigned char *p);
float le_get_f32(const unsigned char *p);
double le_get_f64(const unsigned char *p);

/* n floats, 4 * n bytes. */
void le_put_f32s(unsigned char *p, const float *v, size_t n);
void le_get_f32s(float *v, const unsigned char *p, size_t n);

#endif
