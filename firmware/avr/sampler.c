#include "sampler.h"

#include <avr/interrupt.h>
#include <avr/io.h>
#include <string.h>
#include <util/atomic.h>

#define TICKS_PER_WINDOW (SAMPLER_TICK_HZ / 10u) /* 100 ms: whole cycles at 50 and 60 Hz */
#define TICKS_PER_MS (SAMPLER_TICK_HZ / 1000u)

static uint8_t channels;
static mt_ct_window filling[SAMPLER_SLOTS];
static mt_ct_window ready[SAMPLER_SLOTS];
static volatile uint8_t ready_flag;
static volatile uint16_t overruns;
static volatile uint32_t millis;
static uint16_t window_tick;
static uint8_t ms_tick;
static uint8_t slot;
static uint8_t converting; /* the slot whose conversion runs now, or 0xFF */

void sampler_start(uint8_t ct_count) {
  channels = ct_count;
  for (uint8_t i = 0; i < SAMPLER_SLOTS; i++) mt_ct_reset(&filling[i]);
  converting = 0xFF;
  /* AVcc reference, ADC on, clock 16 MHz / 64 = 250 kHz: a conversion takes 52 us, well inside the 100 us tick.
     (Above the datasheet's 200 kHz for full 10-bit resolution, a loss far below the CT's own tolerance.) */
  ADMUX = _BV(REFS0);
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1);
  DIDR0 = (uint8_t)((1u << ct_count) - 1u); /* digital input buffers off on the CT pins: less noise, less current */
  /* The first conversion after enabling takes 25 ADC clocks: get it out of the way. */
  ADCSRA |= _BV(ADSC);
  while (ADCSRA & _BV(ADSC)) {
  }
  /* Timer1 CTC at 10 kHz from the crystal: the window is exactly 100 ms as long as the crystal is right. */
  TCCR1A = 0;
  TCCR1B = _BV(WGM12) | _BV(CS10);
  OCR1A = (uint16_t)(F_CPU / SAMPLER_TICK_HZ - 1u);
  TIMSK1 = _BV(OCIE1A);
}

ISR(TIMER1_COMPA_vect) {
  /* The result of the conversion started one tick ago. Read before touching ADMUX: the reading belongs to that pin. */
  if (converting != 0xFF) mt_ct_add(&filling[converting], ADC, 1023);
  converting = 0xFF;
  if (slot < channels) {
    ADMUX = (uint8_t)(_BV(REFS0) | slot);
    ADCSRA |= _BV(ADSC);
    converting = slot;
  }
  if (++slot == SAMPLER_SLOTS) slot = 0;

  if (++window_tick == TICKS_PER_WINDOW) {
    window_tick = 0;
    if (ready_flag) overruns++;
    memcpy(ready, filling, sizeof ready);
    for (uint8_t i = 0; i < SAMPLER_SLOTS; i++) mt_ct_reset(&filling[i]);
    ready_flag = 1;
  }
  if (++ms_tick == TICKS_PER_MS) {
    ms_tick = 0;
    millis++;
  }
}

uint8_t sampler_take(mt_ct_window *out) {
  uint8_t taken = 0;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
    if (ready_flag) {
      memcpy(out, ready, sizeof ready);
      ready_flag = 0;
      taken = 1;
    }
  }
  return taken;
}

uint32_t sampler_millis(void) {
  uint32_t ms;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { ms = millis; }
  return ms;
}

uint16_t sampler_overruns(void) {
  uint16_t n;
  ATOMIC_BLOCK(ATOMIC_RESTORESTATE) { n = overruns; }
  return n;
}
