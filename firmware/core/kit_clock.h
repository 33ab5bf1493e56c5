/*
 * The kit's clock on a node that has none it could trust (an ESP32 on the factory Wi-Fi, where there may be no NTP, and
 * the kit itself may have none either): the kit publishes its time on node/<id>/clock when the node subscribes and every
 * 10 s, and the node keeps an offset from its own millisecond counter. The kit's clock is the one every reading is
 * judged by (the broker's plausible-time window), so following it keeps the two honest even when neither is right.
 *
 * A message says the kit's time when it was sent and arrives some milliseconds later, so (kit time − millis) is the offset
 * minus that delay: never too high. The estimate kept is the highest of the last 8 (the quickest delivery); old ones age
 * out, so a crystal that drifts (±50 ppm: seconds a day) and a kit clock set forward are followed within 80 s, and a kit
 * clock set back by more than 2 s (a person setting it from the tablet) is followed at once.
 */
#ifndef MINOTAKE_KIT_CLOCK_H
#define MINOTAKE_KIT_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MT_CLOCK_WINDOW 8u
#define MT_CLOCK_STEP_BACK_MS 2000

typedef struct {
  int64_t estimates[MT_CLOCK_WINDOW];
  uint8_t count, next;
  int64_t offset;
  uint8_t synced;
  /* millis() wraps after 49.7 days (a long loan): the counter is extended to 64 bits here. */
  int64_t high;
  uint32_t last_ms;
} mt_kit_clock;

void mt_kit_clock_init(mt_kit_clock *clock, uint32_t now_ms);
/* A clock message: the kit's time `kit_ms` (ms since the epoch), received when millis() read `now_ms`. */
void mt_kit_clock_observe(mt_kit_clock *clock, int64_t kit_ms, uint32_t now_ms);
/* The kit's time when millis() read `measured_ms` (at most 49 days before `now_ms`); 0 before the first clock message. */
int mt_kit_clock_to_kit(mt_kit_clock *clock, uint32_t measured_ms, uint32_t now_ms, int64_t *kit_ms);

#ifdef __cplusplus
}
#endif
#endif
