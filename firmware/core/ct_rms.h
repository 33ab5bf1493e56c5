/*
 * RMS current of a CT channel from raw ADC samples.
 *
 * Samples are summed in a window of exactly 100 ms: 5 whole cycles at 50 Hz and 6 at 60 Hz, so the kit works unchanged
 * on either side of Japan's frequency border. The DC offset (the mid-rail bias on the burden resistor, and its drift with
 * temperature and supply) is removed with the mean of the same window: over whole cycles a sine and its harmonics average
 * to exactly zero, so the window's mean is the bias and nothing else, and
 *     variance = mean(x^2) - mean(x)^2
 * is the AC power without it. This is an exact high-pass for a steady signal, needs no settling time after power-up
 * (a running-mean filter takes seconds to find the bias), and follows a drifting bias window by window.
 * Windows are combined into the once-a-second reading by averaging their variances, so the reading is the RMS over a
 * whole second of whole cycles.
 *
 * The per-sample work (mt_ct_add) is a subtraction, an add and a 16x16 multiply: cheap enough for a timer interrupt on
 * an 8-bit AVR at 10 kHz. Sums are kept relative to the nominal mid-scale so a float keeps its precision.
 */
#ifndef MINOTAKE_CT_RMS_H
#define MINOTAKE_CT_RMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The sums of one channel over one window; filled by the sampling interrupt. */
typedef struct {
  int32_t sum;         /* sum of (sample - mid) */
  uint32_t sum_sq;     /* sum of (sample - mid)^2 */
  uint16_t count;
  uint8_t clipped;     /* a sample hit 0 or full scale: the reading is only a lower bound */
} mt_ct_window;

/* The ADC and the sensor behind a channel. */
typedef struct {
  uint16_t full_scale;      /* highest ADC code: 1023 for 10 bits, 4095 for 12 */
  float volts_per_count;    /* reference voltage / 2^bits */
  float amps_per_volt;      /* the calibration factor: CT ratio / burden ohms, or the rating of a voltage-output CT */
} mt_ct_scale;

/* Once-a-second accumulation of window variances for one channel. */
typedef struct {
  float variance_sum;  /* counts^2 */
  uint8_t windows;
  uint8_t clipped_windows;
} mt_ct_second;

static inline void mt_ct_reset(mt_ct_window *w) {
  w->sum = 0;
  w->sum_sq = 0;
  w->count = 0;
  w->clipped = 0;
}

/* One sample into the window. `raw` is the ADC code, 0..full_scale. */
static inline void mt_ct_add(mt_ct_window *w, uint16_t raw, uint16_t full_scale) {
  int16_t s = (int16_t)raw - (int16_t)((full_scale + 1u) / 2u);
  w->sum += s;
  w->sum_sq += (uint32_t)((int32_t)s * s);
  w->count++;
  if (raw == 0 || raw >= full_scale) w->clipped = 1;
}

/* The AC variance of a window in counts^2, its DC offset removed; 0 for an empty window. */
float mt_ct_window_variance(const mt_ct_window *w);

/* Adds a finished window to the second. */
void mt_ct_second_add(mt_ct_second *s, const mt_ct_window *w);

/* The second's RMS in centiamps (rounded, clamped to the protocol's 0..1000 A) and starts a new second. */
int32_t mt_ct_second_take(mt_ct_second *s, const mt_ct_scale *scale, uint8_t *clipped);

/* RMS of one window in amperes (for tests and calibration). */
float mt_ct_window_amps(const mt_ct_window *w, const mt_ct_scale *scale);

#ifdef __cplusplus
}
#endif
#endif
