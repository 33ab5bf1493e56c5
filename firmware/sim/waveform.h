/*
 * A CT's signal at the ADC pin, for the host tests and the simavr harness: a mains sine at a given RMS current with
 * harmonics and noise, through the sensor's scale (amps per volt) on top of the mid-rail bias. Test support, not firmware.
 */
#ifndef MINOTAKE_WAVEFORM_H
#define MINOTAKE_WAVEFORM_H

#include <stdint.h>

#define WAVE_MAX_HARMONICS 4

typedef struct {
  double amps;          /* RMS of the fundamental, A */
  double hz;            /* mains frequency */
  double phase;         /* radians at t = 0 */
  uint8_t harmonics;
  uint8_t order[WAVE_MAX_HARMONICS];
  double fraction[WAVE_MAX_HARMONICS]; /* RMS of the harmonic / RMS of the fundamental */
  double noise_amps;    /* RMS of white Gaussian noise, A */
  double amps_per_volt; /* the sensor's scale */
  double bias_volts;    /* DC at the pin with no current: the divider's mid-rail, and its error */
  double vref;          /* ADC reference, V */
} wave;

/* Volts at the pin at time t (s), clipped to the supply rails 0..vref as a real pin would be. */
double wave_volts(const wave *w, double t, uint64_t *rng);
/* The ADC code an ideal 10-bit converter gives for those volts: floor(v / vref * 1024), 0..1023. */
uint16_t wave_adc10(const wave *w, double t, uint64_t *rng);
/* The true RMS current of the waveform (fundamental, harmonics and noise), A. */
double wave_true_amps(const wave *w);

#endif
