#include "kit_clock.h"

static int64_t extend(mt_kit_clock *clock, uint32_t now_ms) {
  if (now_ms < clock->last_ms) clock->high += (int64_t)1 << 32;
  clock->last_ms = now_ms;
  return clock->high + now_ms;
}

void mt_kit_clock_init(mt_kit_clock *clock, uint32_t now_ms) {
  *clock = (mt_kit_clock){0};
  clock->last_ms = now_ms;
}

void mt_kit_clock_observe(mt_kit_clock *clock, int64_t kit_ms, uint32_t now_ms) {
  int64_t estimate = kit_ms - extend(clock, now_ms);
  if (clock->synced && estimate < clock->offset - MT_CLOCK_STEP_BACK_MS) clock->count = 0; /* the kit's clock was set back */
  if (clock->count == 0) clock->next = 0;
  clock->estimates[clock->next] = estimate;
  clock->next = (uint8_t)((clock->next + 1u) % MT_CLOCK_WINDOW);
  if (clock->count < MT_CLOCK_WINDOW) clock->count++;
  int64_t best = clock->estimates[0];
  for (uint8_t i = 1; i < clock->count; i++)
    if (clock->estimates[i] > best) best = clock->estimates[i];
  clock->offset = best;
  clock->synced = 1;
}

int mt_kit_clock_to_kit(mt_kit_clock *clock, uint32_t measured_ms, uint32_t now_ms, int64_t *kit_ms) {
  int64_t now = extend(clock, now_ms);
  if (!clock->synced) return 0;
  /* Unsigned difference: right across the wrap, for anything measured less than 49.7 days ago. */
  *kit_ms = now - (int64_t)(uint32_t)(now_ms - measured_ms) + clock->offset;
  return 1;
}
