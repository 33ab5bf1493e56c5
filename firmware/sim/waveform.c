#include "waveform.h"

#include <math.h>

/* xorshift64*, then Box-Muller: reproducible noise without libc's global rand(). */
static double uniform(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double gaussian(uint64_t *s) {
  double u = uniform(s), v = uniform(s);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double wave_volts(const wave *w, double t, uint64_t *rng) {
  double omega = 2.0 * M_PI * w->hz;
  double amps = w->amps * M_SQRT2 * sin(omega * t + w->phase);
  for (uint8_t i = 0; i < w->harmonics; i++)
    amps += w->amps * w->fraction[i] * M_SQRT2 * sin(w->order[i] * (omega * t + w->phase));
  if (w->noise_amps > 0 && rng) amps += w->noise_amps * gaussian(rng);
  double volts = w->bias_volts + amps / w->amps_per_volt;
  return volts < 0 ? 0 : volts > w->vref ? w->vref : volts;
}

uint16_t wave_adc10(const wave *w, double t, uint64_t *rng) {
  double code = floor(wave_volts(w, t, rng) / w->vref * 1024.0);
  return (uint16_t)(code > 1023 ? 1023 : code);
}

double wave_true_amps(const wave *w) {
  double power = w->amps * w->amps + w->noise_amps * w->noise_amps;
  for (uint8_t i = 0; i < w->harmonics; i++) power += w->amps * w->fraction[i] * w->amps * w->fraction[i];
  return sqrt(power);
}
