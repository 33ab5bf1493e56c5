/* CT sampling on the ATmega328P: Timer1 at 10 kHz starts one ADC conversion per tick, round-robin over 4 slots, so each
   CT is sampled at 2.5 kHz; every 100 ms the window's sums are handed to the main loop. Also the millisecond clock. */
#ifndef MINOTAKE_SAMPLER_H
#define MINOTAKE_SAMPLER_H

#include <stdint.h>

#include "../core/ct_rms.h"

#define SAMPLER_TICK_HZ 10000u
#define SAMPLER_SLOTS 4u

void sampler_start(uint8_t ct_count);
/* The last finished window of each CT, copied into `out`; 0 when no new window is ready. */
uint8_t sampler_take(mt_ct_window *out);
/* Milliseconds since start; wraps after 49.7 days. */
uint32_t sampler_millis(void);
/* Windows the main loop was too late to take (it should stay 0). */
uint16_t sampler_overruns(void);

#endif
