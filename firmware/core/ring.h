/*
 * Readings waiting for the kit while the node's Wi-Fi is down: records in a byte ring of any size (an ESP32 can spare
 * 64 KB or more: about 15 minutes of 4 CTs and a climate sensor; a board with PSRAM hours), oldest first. When it is
 * full the oldest reading is dropped and counted; the kit sees the gap in the sequence numbers and counts it lost.
 */
#ifndef MINOTAKE_RING_H
#define MINOTAKE_RING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  /* millis() when it was measured. */
  uint32_t measured_ms;
  /* The kit's time of measuring, fixed once known (0 until then), so that a message sent again is the same message. */
  int64_t ts;
  /* The node's count of readings sent over MQTT: a gap at the kit is a reading lost here. */
  uint16_t seq;
  /* What it is (an mt_msg_kind). */
  uint8_t kind;
} mt_record;

typedef struct {
  uint8_t *bytes;
  uint32_t capacity;
  uint32_t head; /* where the oldest record starts */
  uint32_t used;
  uint16_t count;
  uint32_t dropped;
} mt_ring;

void mt_ring_init(mt_ring *ring, uint8_t *bytes, uint32_t capacity);
/*
 * Adds the newest record with its JSON fields. Room is made by dropping the oldest, but never one of the `sending` oldest
 * (handed to MQTT, perhaps at the kit already): then the new one is dropped instead. Returns 1 if it was kept.
 */
int mt_ring_push(mt_ring *ring, const mt_record *record, const char *fields, uint16_t length, uint16_t sending);
/* The `n`-th oldest record and its fields (NUL-terminated, cut to `size`); 0 if there is none. */
int mt_ring_peek(const mt_ring *ring, uint16_t n, mt_record *record, char *fields, uint16_t size);
/* Fixes the kit time of the `n`-th oldest record. */
void mt_ring_stamp(mt_ring *ring, uint16_t n, int64_t ts);
/* Takes the oldest away (the kit acknowledged it). */
void mt_ring_pop(mt_ring *ring);

#ifdef __cplusplus
}
#endif
#endif
