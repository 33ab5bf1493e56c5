#include "ring.h"

#include <string.h>

/* A record in the ring: total length (2), measured_ms (4), ts (8), seq (2), kind (1), then the fields' bytes. */
#define HEADER 17u

static void write_at(mt_ring *ring, uint32_t at, const void *data, uint32_t length) {
  const uint8_t *from = (const uint8_t *)data;
  for (uint32_t i = 0; i < length; i++) ring->bytes[(at + i) % ring->capacity] = from[i];
}

static void read_at(const mt_ring *ring, uint32_t at, void *data, uint32_t length) {
  uint8_t *to = (uint8_t *)data;
  for (uint32_t i = 0; i < length; i++) to[i] = ring->bytes[(at + i) % ring->capacity];
}

static uint16_t length_at(const mt_ring *ring, uint32_t at) {
  uint8_t b[2];
  read_at(ring, at, b, 2);
  return (uint16_t)(b[0] | (b[1] << 8));
}

/* Where the `n`-th oldest record starts. */
static uint32_t offset_of(const mt_ring *ring, uint16_t n) {
  uint32_t at = ring->head;
  while (n--) at = (at + length_at(ring, at)) % ring->capacity;
  return at;
}

void mt_ring_init(mt_ring *ring, uint8_t *bytes, uint32_t capacity) {
  *ring = (mt_ring){0};
  ring->bytes = bytes;
  ring->capacity = capacity;
}

void mt_ring_pop(mt_ring *ring) {
  if (ring->count == 0) return;
  uint16_t length = length_at(ring, ring->head);
  ring->head = (ring->head + length) % ring->capacity;
  ring->used -= length;
  ring->count--;
}

int mt_ring_push(mt_ring *ring, const mt_record *record, const char *fields, uint16_t length, uint16_t sending) {
  uint32_t total = HEADER + length;
  if (total > ring->capacity || total > 0xFFFFu) {
    ring->dropped++;
    return 0;
  }
  while (ring->capacity - ring->used < total) {
    if (ring->count <= sending) {
      ring->dropped++;
      return 0;
    }
    mt_ring_pop(ring);
    ring->dropped++;
  }
  uint8_t header[HEADER];
  header[0] = (uint8_t)(total & 0xFFu);
  header[1] = (uint8_t)(total >> 8);
  memcpy(header + 2, &record->measured_ms, 4);
  memcpy(header + 6, &record->ts, 8);
  memcpy(header + 14, &record->seq, 2);
  header[16] = record->kind;
  uint32_t at = (ring->head + ring->used) % ring->capacity;
  write_at(ring, at, header, HEADER);
  write_at(ring, at + HEADER, fields, length);
  ring->used += total;
  ring->count++;
  return 1;
}

int mt_ring_peek(const mt_ring *ring, uint16_t n, mt_record *record, char *fields, uint16_t size) {
  if (n >= ring->count || size == 0) return 0;
  uint32_t at = offset_of(ring, n);
  uint8_t header[HEADER];
  read_at(ring, at, header, HEADER);
  uint16_t total = (uint16_t)(header[0] | (header[1] << 8));
  memcpy(&record->measured_ms, header + 2, 4);
  memcpy(&record->ts, header + 6, 8);
  memcpy(&record->seq, header + 14, 2);
  record->kind = header[16];
  uint16_t length = (uint16_t)(total - HEADER);
  if (length > size - 1u) length = (uint16_t)(size - 1u);
  read_at(ring, at + HEADER, fields, length);
  fields[length] = '\0';
  return 1;
}

void mt_ring_stamp(mt_ring *ring, uint16_t n, int64_t ts) {
  if (n >= ring->count) return;
  write_at(ring, offset_of(ring, n) + 6u, &ts, 8);
}
