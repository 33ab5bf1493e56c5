#include "ct_rms.h"

#include <math.h>

#include "protocol.h"

float mt_ct_window_variance(const mt_ct_window *w) {
  if (w->count == 0) return 0.0f;
  float n = (float)w->count;
  float mean = (float)w->sum / n;
  float variance = (float)w->sum_sq / n - mean * mean;
  /* Rounding can leave a hair below zero for a flat signal. */
  return variance > 0.0f ? variance : 0.0f;
}

void mt_ct_second_add(mt_ct_second *s, const mt_ct_window *w) {
  if (w->count == 0) return;
  s->variance_sum += mt_ct_window_variance(w);
  s->windows++;
  if (w->clipped) s->clipped_windows++;
}

static float amps_of(float variance, const mt_ct_scale *scale) {
  return sqrtf(variance) * scale->volts_per_count * scale->amps_per_volt;
}

float mt_ct_window_amps(const mt_ct_window *w, const mt_ct_scale *scale) { return amps_of(mt_ct_window_variance(w), scale); }

int32_t mt_ct_second_take(mt_ct_second *s, const mt_ct_scale *scale, uint8_t *clipped) {
  float amps = s->windows ? amps_of(s->variance_sum / (float)s->windows, scale) : 0.0f;
  if (clipped) *clipped = s->clipped_windows > 0;
  s->variance_sum = 0.0f;
  s->windows = 0;
  s->clipped_windows = 0;
  float centi = amps * 100.0f + 0.5f;
  if (!(centi > 0.0f)) return 0;
  return centi >= (float)MT_CENTIAMPS_MAX ? MT_CENTIAMPS_MAX : (int32_t)centi;
}
